//! The OAuth bodies: the token endpoint's answer (v1 and 2026-03 share it)
//! and the 2026-03 introspection's answers. Every `Debug` here shows tokens
//! and signatures as `<redacted>`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a `Debug` shows in place of a token or a signature.
const REDACTED: &str = "<redacted>";

/// The answer of the OAuth token endpoint (HubSpot's 2026-03 file calls it
/// `AccessTokenResponse`; v1 answers the same fields but `hub_id`,
/// `user_id` and `id_token`).
///
/// ```
/// use timeline_core::wire::AccessTokenResponse;
///
/// let answer: AccessTokenResponse = serde_json::from_str(
///     r#"{"access_token":"at-1f2e","refresh_token":"rt-9a8b","expires_in":1800,"token_type":"bearer",
///         "token_use":"access_token","hub_id":62515,"user_id":7,"scopes":["timeline"]}"#,
/// )
/// .unwrap();
/// assert_eq!(answer.hub_id, Some(62515));
/// let shown = format!("{answer:?}");
/// assert!(!shown.contains("at-1f2e") && !shown.contains("rt-9a8b"), "{shown}");
/// assert!(shown.contains(r#"access_token: "<redacted>""#), "{shown}");
/// assert!(shown.contains("expires_in: 1800"), "{shown}");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// The refresh token (absent for the client-credentials grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// `"bearer"`.
    #[serde(default)]
    pub token_type: String,
    /// `"access_token"` (`"client_credentials"` for that grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_use: Option<String>,
    /// The HubSpot account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_id: Option<i64>,
    /// The user who granted the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// The granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// An OpenID Connect identity token, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

/// The client-credentials grant's answer: the same fields, without a
/// refresh token.
pub type ClientCredentialsTokenResponse = AccessTokenResponse;

impl AccessTokenResponse {
    /// A `bearer` token valid for `expires_in` seconds, with no refresh
    /// token, account or scopes; set those.
    ///
    /// ```
    /// use timeline_core::wire::AccessTokenResponse;
    /// let mut answer = AccessTokenResponse::new("at-1f2e", 1800);
    /// answer.refresh_token = Some("rt-9a8b".into());
    /// assert_eq!(answer.token_type, "bearer");
    /// ```
    pub fn new(access_token: impl Into<String>, expires_in: i64) -> Self {
        AccessTokenResponse {
            access_token: access_token.into(),
            refresh_token: None,
            expires_in,
            token_type: "bearer".to_owned(),
            token_use: None,
            hub_id: None,
            user_id: None,
            scopes: None,
            id_token: None,
        }
    }
}

impl fmt::Debug for AccessTokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenResponse")
            .field("access_token", &REDACTED)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| REDACTED))
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .field("token_use", &self.token_use)
            .field("hub_id", &self.hub_id)
            .field("user_id", &self.user_id)
            .field("scopes", &self.scopes)
            .field("id_token", &self.id_token.as_ref().map(|_| REDACTED))
            .finish()
    }
}

/// The answer of `POST /oauth/2026-03/token/introspect` (HubSpot's
/// `TokenInfoResponseBaseIF`): what HubSpot knows of an access token or of
/// a refresh token, told apart by `token_use`.
///
/// ```
/// use timeline_core::wire::TokenInfoResponse;
///
/// let answer: TokenInfoResponse = serde_json::from_str(
///     r#"{"token_use":"refresh_token","active":true,"app_id":9,"client_id":"c","hub_id":62515,
///         "scopes":["timeline"],"token":"rt-9a8b","token_type":"refresh","user_id":7}"#,
/// )
/// .unwrap();
/// assert!(answer.is_active());
/// assert_eq!(answer.hub_id(), 62515);
/// assert!(!format!("{answer:?}").contains("rt-9a8b"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant, reason = "one answer at a time, never kept in bulk")]
#[serde(tag = "token_use")]
#[non_exhaustive]
pub enum TokenInfoResponse {
    /// An access token's information.
    #[serde(rename = "access_token")]
    Access(PublicAccessTokenInfoResponse),
    /// A refresh token's information.
    #[serde(rename = "refresh_token")]
    Refresh(PublicRefreshTokenInfoResponse),
}

impl TokenInfoResponse {
    /// Whether HubSpot still accepts the token.
    pub fn is_active(&self) -> bool {
        match self {
            TokenInfoResponse::Access(info) => info.active,
            TokenInfoResponse::Refresh(info) => info.active,
        }
    }

    /// The account the token acts for.
    pub fn hub_id(&self) -> i64 {
        match self {
            TokenInfoResponse::Access(info) => info.hub_id,
            TokenInfoResponse::Refresh(info) => info.hub_id,
        }
    }
}

/// What HubSpot knows of an access token (HubSpot's
/// `PublicAccessTokenInfoResponse`; its `token_use`, `"access_token"`, is
/// [`TokenInfoResponse`]'s tag).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublicAccessTokenInfoResponse {
    /// Whether HubSpot still accepts the token.
    pub active: bool,
    /// The app the token was granted to.
    #[serde(default)]
    pub app_id: i64,
    /// The app's client id.
    #[serde(default)]
    pub client_id: String,
    /// Seconds until the token expires.
    #[serde(default)]
    pub expires_in: i64,
    /// The account's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_domain: Option<String>,
    /// The account the token acts for.
    pub hub_id: i64,
    /// Whether the app is privately distributed.
    #[serde(default)]
    pub is_private_distribution: bool,
    /// The granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The token's signed claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_access_token: Option<SignedAccessToken>,
    /// The token asked about.
    #[serde(default)]
    pub token: String,
    /// Such as `"access"`.
    #[serde(default)]
    pub token_type: String,
    /// The granting user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The granting user's id.
    #[serde(default)]
    pub user_id: i64,
}

impl PublicAccessTokenInfoResponse {
    /// Information on the active access `token` of account `hub_id`,
    /// expiring in `expires_in` seconds; set the other fields.
    ///
    /// ```
    /// use timeline_core::wire::PublicAccessTokenInfoResponse;
    /// let info = PublicAccessTokenInfoResponse::new("at-1f2e", 62515, 1800);
    /// assert!(info.active && info.scopes.is_empty());
    /// ```
    pub fn new(token: impl Into<String>, hub_id: i64, expires_in: i64) -> Self {
        PublicAccessTokenInfoResponse {
            active: true,
            app_id: 0,
            client_id: String::new(),
            expires_in,
            hub_domain: None,
            hub_id,
            is_private_distribution: false,
            scopes: Vec::new(),
            signed_access_token: None,
            token: token.into(),
            token_type: "access".to_owned(),
            user: None,
            user_id: 0,
        }
    }
}

impl fmt::Debug for PublicAccessTokenInfoResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicAccessTokenInfoResponse")
            .field("active", &self.active)
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .field("expires_in", &self.expires_in)
            .field("hub_domain", &self.hub_domain)
            .field("hub_id", &self.hub_id)
            .field("is_private_distribution", &self.is_private_distribution)
            .field("scopes", &self.scopes)
            .field("signed_access_token", &self.signed_access_token)
            .field("token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("user", &self.user)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// What HubSpot knows of a refresh token (HubSpot's
/// `PublicRefreshTokenInfoResponse`; its `token_use`, `"refresh_token"`, is
/// [`TokenInfoResponse`]'s tag).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublicRefreshTokenInfoResponse {
    /// Whether HubSpot still accepts the token (false once revoked).
    pub active: bool,
    /// The app the token was granted to.
    #[serde(default)]
    pub app_id: i64,
    /// The app's client id.
    #[serde(default)]
    pub client_id: String,
    /// The account's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_domain: Option<String>,
    /// The account the token acts for.
    pub hub_id: i64,
    /// The granted scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The token asked about.
    #[serde(default)]
    pub token: String,
    /// Such as `"refresh"`.
    #[serde(default)]
    pub token_type: String,
    /// The granting user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The granting user's id.
    #[serde(default)]
    pub user_id: i64,
}

impl PublicRefreshTokenInfoResponse {
    /// Information on the active refresh `token` of account `hub_id`; set
    /// the other fields.
    ///
    /// ```
    /// use timeline_core::wire::PublicRefreshTokenInfoResponse;
    /// assert!(PublicRefreshTokenInfoResponse::new("rt-9a8b", 62515).active);
    /// ```
    pub fn new(token: impl Into<String>, hub_id: i64) -> Self {
        PublicRefreshTokenInfoResponse {
            active: true,
            app_id: 0,
            client_id: String::new(),
            hub_domain: None,
            hub_id,
            scopes: Vec::new(),
            token: token.into(),
            token_type: "refresh".to_owned(),
            user: None,
            user_id: 0,
        }
    }
}

impl fmt::Debug for PublicRefreshTokenInfoResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicRefreshTokenInfoResponse")
            .field("active", &self.active)
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .field("hub_domain", &self.hub_domain)
            .field("hub_id", &self.hub_id)
            .field("scopes", &self.scopes)
            .field("token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("user", &self.user)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// An access token's signed claims (HubSpot's `SignedAccessToken`). Its
/// `Debug` hides the signatures.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SignedAccessToken {
    /// The app.
    #[serde(default)]
    pub app_id: i64,
    /// The install.
    #[serde(default)]
    pub app_install_id: String,
    /// The audience.
    #[serde(default)]
    pub audience: String,
    /// When the token expires, in milliseconds since the epoch.
    #[serde(default)]
    pub expires_at: i64,
    /// The account.
    #[serde(default)]
    pub hub_id: i64,
    /// The account's data-centre region, such as `na1`.
    #[serde(default)]
    pub hublet: String,
    /// The user who installed the app.
    #[serde(default)]
    pub installing_user_id: i64,
    /// Whether the app is privately distributed.
    #[serde(default)]
    pub is_private_distribution: bool,
    /// Whether the token belongs to a service account.
    #[serde(default)]
    pub is_service_account: bool,
    /// Whether the token is a user-level one.
    #[serde(default)]
    pub is_user_level: bool,
    /// The claims' newer signature.
    #[serde(default)]
    pub new_signature: String,
    /// The scope groups, encoded.
    #[serde(default)]
    pub scope_to_scope_group_pks: String,
    /// The scopes, encoded.
    #[serde(default)]
    pub scopes: String,
    /// The claims' signature.
    #[serde(default)]
    pub signature: String,
    /// The trial scope groups, encoded.
    #[serde(default)]
    pub trial_scope_to_scope_group_pks: String,
    /// The trial scopes, encoded.
    #[serde(default)]
    pub trial_scopes: String,
    /// The token's user.
    #[serde(default)]
    pub user_id: i64,
}

impl fmt::Debug for SignedAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedAccessToken")
            .field("app_id", &self.app_id)
            .field("app_install_id", &self.app_install_id)
            .field("audience", &self.audience)
            .field("expires_at", &self.expires_at)
            .field("hub_id", &self.hub_id)
            .field("hublet", &self.hublet)
            .field("installing_user_id", &self.installing_user_id)
            .field("is_private_distribution", &self.is_private_distribution)
            .field("is_service_account", &self.is_service_account)
            .field("is_user_level", &self.is_user_level)
            .field("new_signature", &REDACTED)
            .field("scopes", &self.scopes)
            .field("signature", &REDACTED)
            .field("trial_scopes", &self.trial_scopes)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}
