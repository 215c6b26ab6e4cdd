-- One account's rolling window in Redis, as a sliding log: a sorted set of
-- request start times (in microseconds of the server's clock), trimmed of the
-- entries a window old, plus a "blocked until" instant and the maximum and
-- window length the last answer's headers set. Every operation is one call.
--
-- KEYS[1] the log (sorted set), KEYS[2] blocked until (string, µs),
-- KEYS[3] the adopted window (hash: max, window).
-- ARGV[1] mode: acquire | release | observe | saturate | usage
-- ARGV[2] the configured maximum, ARGV[3] the configured window (µs)
-- ARGV[4] now (µs); empty: the server's TIME
-- ARGV[5] a member unique to the caller (acquire, release: the request's;
--         observe, saturate: a prefix for the members it adds)
-- observe: ARGV[6] remaining, ARGV[7] the header's max (0: none),
--          ARGV[8] the header's interval (ms, 0: none), ARGV[9] sent at (µs),
--          ARGV[10] the longest interval adopted (µs)
-- saturate: ARGV[6] the Retry-After wait (µs, 0: none)
-- release: ARGV[6] the request's start (µs)
--
-- acquire answers {1, now, 0} when the request may start (its member is
-- logged at now), else {0, now, wait}: how long until the oldest entry
-- leaves the window or the block ends. usage (which writes nothing) answers
-- {entries in the window, its maximum, its length in µs}. The other modes
-- answer {now}.

local function int(x)
  return string.format('%d', x)
end

local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000000 + tonumber(time[2])
end

local mode = ARGV[1]
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local adopted = redis.call('HMGET', KEYS[3], 'max', 'window')
if adopted[1] then max = tonumber(adopted[1]) end
if adopted[2] then window = tonumber(adopted[2]) end

-- The log lives about a window after its last change.
local function keep(key, length)
  redis.call('PEXPIRE', key, math.floor(length / 1000) + 1000)
end

-- Adds `count` members dated `at`, named after `prefix`.
local function fill(count, at, prefix)
  for i = 1, count do
    redis.call('ZADD', KEYS[1], int(at), int(at) .. ':' .. prefix .. ':' .. i)
  end
end

local function trim()
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - window))
  return redis.call('ZCARD', KEYS[1])
end

if mode == 'acquire' then
  local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
  if blocked > now then
    return {0, now, blocked - now}
  end
  -- Counted before anything is written: Redis refuses a script's writes
  -- under maxmemory (OOM) only up to its first write, so the entry that
  -- grows the log goes first.
  local used = redis.call('ZCOUNT', KEYS[1], '(' .. int(now - window), '+inf')
  if used < max then
    redis.call('ZADD', KEYS[1], int(now), int(now) .. ':' .. ARGV[5])
    trim()
    keep(KEYS[1], window)
    return {1, now, 0}
  end
  used = trim()
  local oldest = redis.call('ZRANGE', KEYS[1], used - max, used - max, 'WITHSCORES')
  return {0, now, tonumber(oldest[2]) + window - now}
elseif mode == 'release' then
  -- The request ended: its entry is dated now (after the server counted it).
  redis.call('ZADD', KEYS[1], 'GT', int(now), ARGV[6] .. ':' .. ARGV[5])
  keep(KEYS[1], window)
  return {now}
elseif mode == 'observe' then
  local configured_max = tonumber(ARGV[2])
  local configured_window = tonumber(ARGV[3])
  local header_max = tonumber(ARGV[7])
  local interval = tonumber(ARGV[8]) * 1000
  max = configured_max
  if header_max >= 1 and header_max < configured_max then max = header_max end
  window = configured_window
  if interval > configured_window and interval <= tonumber(ARGV[10]) then window = interval end
  redis.call('HSET', KEYS[3], 'max', int(max), 'window', int(window))
  keep(KEYS[3], window)
  trim()
  local sent_at = tonumber(ARGV[9])
  local counted = max - tonumber(ARGV[6])
  local held = 0
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. int(sent_at - window), '+inf')) do
    local started = tonumber(string.match(member, '^(%d+):'))
    if started and started <= sent_at then held = held + 1 end
  end
  if counted > held then
    fill(counted - held, sent_at, ARGV[5])
    keep(KEYS[1], window)
  end
  return {now}
elseif mode == 'saturate' then
  local used = trim()
  if max > used then
    fill(max - used, now, ARGV[5])
    keep(KEYS[1], window)
  end
  local wait = tonumber(ARGV[6])
  if wait > 0 then
    local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
    local until_ = math.max(blocked, now + wait)
    redis.call('SET', KEYS[2], int(until_), 'PX', math.floor((until_ - now) / 1000) + 1000)
  end
  return {now}
elseif mode == 'usage' then
  -- Read only: the entries in the window now, its maximum, and its length (µs).
  return {redis.call('ZCOUNT', KEYS[1], '(' .. int(now - window), '+inf'), max, window}
end
return redis.error_reply('unknown mode ' .. tostring(mode))
