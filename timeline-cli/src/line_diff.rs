//! A small unified-style line diff, for showing how two short texts (such
//! as two template files) differ.

/// The lines of context shown around each change.
const CONTEXT: usize = 2;

/// The diff of `old` (named `old_name`) and `new` (named `new_name`): a
/// `---`/`+++` header, then each changed region with `@@` and up to two lines
/// of context, removed lines marked `-`, added ones `+`. Empty when the texts
/// are the same.
///
/// ```
/// let diff = timeline_cli::line_diff::unified("a", "b", "one\ntwo\nthree\n", "one\n2\nthree\n");
/// assert_eq!(diff, "--- a\n+++ b\n@@ line 1 @@\n one\n-two\n+2\n three\n");
/// assert!(timeline_cli::line_diff::unified("a", "b", "same\n", "same\n").is_empty());
/// ```
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    let edits = edits(&old.lines().collect::<Vec<_>>(), &new.lines().collect::<Vec<_>>());
    if edits.iter().all(|edit| matches!(edit, Edit::Same(_))) {
        return String::new();
    }
    let changed: Vec<usize> =
        edits.iter().enumerate().filter(|(_, edit)| !matches!(edit, Edit::Same(_))).map(|(at, _)| at).collect();
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    let mut at = 0;
    while at < changed.len() {
        let start = changed[at].saturating_sub(CONTEXT);
        let mut end = changed[at];
        while at < changed.len() && changed[at] <= end + 2 * CONTEXT + 1 {
            end = changed[at];
            at += 1;
        }
        let end = (end + CONTEXT + 1).min(edits.len());
        let old_line = edits[..start].iter().filter(|edit| !matches!(edit, Edit::Added(_))).count() + 1;
        out.push_str(&format!("@@ line {old_line} @@\n"));
        for edit in &edits[start..end] {
            let (mark, line) = match edit {
                Edit::Same(line) => (' ', line),
                Edit::Removed(line) => ('-', line),
                Edit::Added(line) => ('+', line),
            };
            out.push(mark);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// One line of the diff.
enum Edit<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The shortest edit script from `old` to `new`, by longest common
/// subsequence (quadratic: meant for files of a few hundred lines).
fn edits<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Edit<'a>> {
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] =
                if old[i] == new[j] { common[i + 1][j + 1] + 1 } else { common[i + 1][j].max(common[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(old.len().max(new.len())));
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out.push(Edit::Same(old[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(Edit::Removed(old[i]));
            i += 1;
        } else {
            out.push(Edit::Added(new[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn far_apart_changes_get_their_own_regions_and_additions_show() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let diff = unified("x", "y", old, new);
        assert_eq!(diff, "--- x\n+++ y\n@@ line 1 @@\n a\n-b\n+B\n c\n d\n@@ line 8 @@\n h\n i\n+j\n");
    }

    #[test]
    fn a_missing_side_is_all_additions() {
        assert_eq!(unified("x", "y", "", "one\n"), "--- x\n+++ y\n@@ line 1 @@\n+one\n");
    }
}
