package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
)

// srpGroupPrimeHex is N, the 3072-bit MODP prime of RFC 5054 appendix A
// (RFC 3526 group 15), which Cognito uses with generator g = 2.
const srpGroupPrimeHex = "" +
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" +
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" +
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05" +
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB" +
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718" +
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33" +
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864" +
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2" +
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var srpGroupPrime, _ = new(big.Int).SetString(srpGroupPrimeHex, 16)

// Bounds on challenge values. N has 768 hex digits; real SRP_B values have at
// most that many and real salts 32. The bounds leave room for leading zeros
// but stop a hostile endpoint from making the client do arithmetic on
// megabyte-sized numbers or hold huge strings.
const (
	maxChallengeHex    = 1024
	maxSecretBlock     = 64 << 10
	maxChallengeString = 1024 // USERNAME and USER_ID_FOR_SRP; Cognito allows 128 characters
)

// validateChallenge checks the PASSWORD_VERIFIER parameters before they reach
// cognito-srp, which panics on malformed hex and silently accepts values that
// make the proof meaningless. srpA is the hex SRP_A that was sent.
func validateChallenge(params map[string]string, srpA string) error {
	for _, key := range []string{"USER_ID_FOR_SRP", "USERNAME"} {
		v := params[key]
		if v == "" {
			return challengeError("%s is missing", key)
		}
		if len(v) > maxChallengeString {
			return challengeError("%s is %d bytes long, more than the %d allowed", key, len(v), maxChallengeString)
		}
	}

	if _, err := challengeHex(params, "SALT"); err != nil {
		return err
	}

	b, err := challengeHex(params, "SRP_B")
	if err != nil {
		return err
	}
	if new(big.Int).Mod(b, srpGroupPrime).Sign() == 0 {
		return challengeError("SRP_B is 0 modulo N, which would make the session key predictable")
	}

	a, ok := new(big.Int).SetString(srpA, 16)
	if !ok {
		return challengeError("SRP_A %q sent by this client is not hexadecimal", clip(srpA))
	}
	u := new(big.Int).SetBytes(hashPadded(a, b))
	if u.Sign() == 0 {
		return challengeError("the scrambling parameter u = H(A, B) is 0")
	}

	block := params["SECRET_BLOCK"]
	if block == "" {
		return challengeError("SECRET_BLOCK is missing")
	}
	if len(block) > maxSecretBlock {
		return challengeError("SECRET_BLOCK is %d bytes long, more than the %d allowed", len(block), maxSecretBlock)
	}
	if _, err := base64.StdEncoding.DecodeString(block); err != nil {
		return challengeError("SECRET_BLOCK is not standard base64")
	}
	return nil
}

// challengeHex parses a non-negative hexadecimal challenge value.
func challengeHex(params map[string]string, key string) (*big.Int, error) {
	v := params[key]
	switch {
	case v == "":
		return nil, challengeError("%s is missing", key)
	case len(v) > maxChallengeHex:
		return nil, challengeError("%s has %d hex digits, more than the %d allowed", key, len(v), maxChallengeHex)
	case strings.HasPrefix(v, "-"):
		// Cognito has been seen to send a negative SALT for unknown users and
		// unverified aliases.
		return nil, challengeError("%s %q is negative: check that the username exists and, "+
			"for an alias, that it is verified", key, clip(v))
	}
	for i := 0; i < len(v); i++ {
		if !isHexDigit(v[i]) {
			return nil, challengeError("%s %q is not hexadecimal", key, clip(v))
		}
	}
	n, _ := new(big.Int).SetString(v, 16)
	return n, nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hashPadded returns SHA-256(pad(a) || pad(b)), where pad is the minimal
// big-endian two's-complement encoding (a 0x00 byte in front when the top
// bit is set), as Cognito hashes integers.
func hashPadded(a, b *big.Int) []byte {
	h := sha256.New()
	h.Write(padded(a))
	h.Write(padded(b))
	return h.Sum(nil)
}

func padded(n *big.Int) []byte {
	raw := n.Bytes()
	if len(raw) == 0 || raw[0]&0x80 != 0 {
		return append([]byte{0}, raw...)
	}
	return raw
}

func challengeError(format string, args ...any) *Error {
	return newError(nil, "InitiateAuth", "PASSWORD_VERIFIER", nil,
		"invalid PASSWORD_VERIFIER challenge from Cognito: "+format+
			"; check that the Cognito endpoint is the real service", args...)
}

// clip shortens a challenge value for an error message. Challenge values are
// public (Cognito sends them to anyone who starts a sign-in for the username), so
// quoting a prefix is safe.
func clip(v string) string {
	const n = 24
	if len(v) > n {
		return v[:n] + "..."
	}
	return v
}

// newSRP creates the cognito-srp object for one sign-in. The library draws
// the private ephemeral a and computes A = g^a mod N here.
func newSRP(creds Credentials, poolID, clientID string) (c *cognitosrp.CognitoSRP, err error) {
	defer recoverAsError(&err, "create the SRP client")
	return cognitosrp.NewCognitoSRP(creds.Username, creds.Password, poolID, clientID, creds.clientSecret())
}

// answerPasswordVerifier computes the PASSWORD_VERIFIER response: the
// signature, the timestamp and, with a client secret, the SECRET_HASH over
// the challenge's USERNAME.
func answerPasswordVerifier(c *cognitosrp.CognitoSRP, params map[string]string,
	now time.Time) (answer map[string]string, err error) {
	defer recoverAsError(&err, "respond to the PASSWORD_VERIFIER challenge")
	return c.PasswordVerifierChallenge(params, now)
}

// recoverAsError turns a panic in cognito-srp into an error.
func recoverAsError(err *error, what string) {
	if r := recover(); r != nil {
		*err = newError(nil, "RespondToAuthChallenge", "", nil,
			"cognito-srp panicked trying to %s: %s", what, sanitize(fmt.Sprint(r)))
	}
}
