package redisstore

import "github.com/redis/go-redis/v9"

// Every key the store writes holds one string:
//
//	replay key:  <token>                               recorded by a claim
//	id key:      "c" <token> <signature> <fingerprint>  claimed
//	             "d" <fingerprint>                      done
//
// <token> is tokenLen (32) bytes; <signature> is a 32-byte digest of the
// claim's replay key (see sigDigest), or 32 '-' when it had none. So in a
// claimed value (Lua strings are indexed from 1) the token is bytes 2-33,
// the signature 34-65 and the fingerprint starts at 66. Each script touches
// one key, so every call is Cluster-safe.
//
// The scripts treat a value holding their own token as their own earlier
// write: when the client retries a command whose reply was lost after the
// server ran it, the retry reports what the first run did instead of
// "replayed" or "in flight".

// replayScript records a replay key.
// KEYS[1] replay key; ARGV[1] token, ARGV[2] TTL in ms.
// Returns 1 when recorded by this call (or an earlier run with the same
// token), 0 when another claim recorded it: a replay.
var replayScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  return 1
end
return 0
`)

// claimScript claims an id key.
// KEYS[1] id key; ARGV[1] token, ARGV[2] signature digest or "",
// ARGV[3] fingerprint, ARGV[4] TTL in ms, ARGV[5] "1" to take over a claim
// held with the same signature.
// Returns {1} claimed, {2, fingerprint} done, {3, fingerprint, PTTL} in
// flight, {4, fingerprint, PTTL} in flight under the same signature.
var claimScript = redis.NewScript(`
local sig = ARGV[2]
if sig == '' then
  sig = string.rep('-', 32)
end
local v = redis.call('GET', KEYS[1])
local same = false
if v ~= false then
  if string.sub(v, 1, 1) == 'd' then
    return {2, string.sub(v, 2)}
  end
  if string.sub(v, 2, 33) == ARGV[1] then
    return {1}
  end
  same = ARGV[2] ~= '' and string.sub(v, 34, 65) == ARGV[2]
  if not (same and ARGV[5] == '1') then
    local code = 3
    if same then
      code = 4
    end
    return {code, string.sub(v, 66), redis.call('PTTL', KEYS[1])}
  end
end
redis.call('SET', KEYS[1], 'c' .. ARGV[1] .. sig .. ARGV[3], 'PX', ARGV[4])
return {1}
`)

// completeScript marks a claimed id key done, if the token owns it.
// KEYS[1] id key; ARGV[1] token, ARGV[2] TTL in ms.
// Returns 1 when done, 0 when the token does not own the key.
var completeScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or string.sub(v, 1, 33) ~= 'c' .. ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], 'd' .. string.sub(v, 66), 'PX', ARGV[2])
return 1
`)

// releaseScript deletes a claimed id key, if the token owns it.
// KEYS[1] id key; ARGV[1] token.
// Returns 1 when deleted, 0 when the token does not own the key.
var releaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or string.sub(v, 1, 33) ~= 'c' .. ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`)

// extendScript makes a claimed id key expire TTL from now, if the token owns
// it. KEYS[1] id key; ARGV[1] token, ARGV[2] TTL in ms.
// Returns 1 when extended, 0 when the token does not own the key. Running it
// twice (a retry after a lost reply) extends twice, to the same end.
var extendScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or string.sub(v, 1, 33) ~= 'c' .. ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// forgetScript deletes a replay key, if the token recorded it: the undo of
// replayScript for a Claim that failed.
// KEYS[1] replay key; ARGV[1] token.
// Returns 1 when deleted, 0 when another claim recorded the key or none did.
var forgetScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`)
