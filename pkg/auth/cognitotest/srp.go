package cognitotest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// This file holds the server side of Cognito's SRP-6a variant: the 3072-bit
// group of RFC 5054 appendix A with g = 2 and SHA-256, integers hashed in
// their minimal two's-complement form, and a one-block HKDF that turns the
// shared secret into a 16-byte key for the password claim signature.

// groupHex is the 3072-bit MODP prime (RFC 3526 group 15, RFC 5054 appendix A).
const groupHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// multiplierHex is k = H(pad(N) || pad(g)) as Cognito and its official
// clients compute it. Hashing N or g padded to 384 bytes (the RFC 5054
// convention) gives a different k, and then no real client can sign in.
const multiplierHex = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"

// derivedKeyInfo is the HKDF info string used by Cognito.
const derivedKeyInfo = "Caldera Derived Key"

// maxSRPAHexDigits caps SRP_A before any arithmetic. N has 768 hex digits;
// the cap leaves room for leading zeros but stops megabyte-sized values from
// costing CPU time.
const maxSRPAHexDigits = 1024

var (
	groupN     = mustParseHex(groupHex)
	generator  = big.NewInt(2)
	multiplier = new(big.Int).SetBytes(hashBytes(padInt(groupN), padInt(generator)))
)

func mustParseHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("cognitotest: invalid hex constant " + s)
	}
	return n
}

// checkGroup compares the computed multiplier k with the value that
// production Cognito uses. Start calls it so that a broken constant fails
// loudly instead of rejecting every sign-in.
func checkGroup() error {
	got := hex.EncodeToString(multiplier.Bytes())
	if got != multiplierHex {
		return fmt.Errorf("cognitotest: SRP multiplier k is %s, want %s", got, multiplierHex)
	}
	return nil
}

// padInt returns the minimal big-endian two's-complement bytes of a
// non-negative integer (Java's BigInteger.toByteArray): a leading 0x00 is
// added when the top bit of the first byte is set, and zero is one 0x00 byte.
func padInt(n *big.Int) []byte {
	b := n.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

func hashBytes(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// passwordHash returns x = H(pad(salt) || H(poolName || userID || ":" || password)).
// userID is the internal username (USER_ID_FOR_SRP), never an alias.
func passwordHash(poolName, userID, password string, salt *big.Int) *big.Int {
	inner := hashBytes([]byte(poolName + userID + ":" + password))
	return new(big.Int).SetBytes(hashBytes(padInt(salt), inner))
}

// newVerifier returns the password verifier v = g^x mod N.
func newVerifier(poolName, userID, password string, salt *big.Int) *big.Int {
	x := passwordHash(poolName, userID, password, salt)
	return new(big.Int).Exp(generator, x, groupN)
}

// newSalt draws a 16-byte random salt.
func newSalt() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("cognitotest: read random salt: %w", err)
	}
	return new(big.Int).SetBytes(b), nil
}

// serverPublic returns B = (k*v + g^b) mod N.
func serverPublic(v, b *big.Int) *big.Int {
	kv := new(big.Int).Mul(multiplier, v)
	gb := new(big.Int).Exp(generator, b, groupN)
	return kv.Add(kv, gb).Mod(kv, groupN)
}

// newServerEphemeral draws a 256-bit private b and returns it with B,
// drawing again in the (practically impossible) case B = 0.
func newServerEphemeral(v *big.Int) (b, bigB *big.Int, err error) {
	buf := make([]byte, 32)
	for {
		if _, err := rand.Read(buf); err != nil {
			return nil, nil, fmt.Errorf("cognitotest: read random b: %w", err)
		}
		b = new(big.Int).SetBytes(buf)
		bigB = serverPublic(v, b)
		if bigB.Sign() != 0 {
			return b, bigB, nil
		}
	}
}

var (
	errSRPAInvalid = errors.New("SRP_A is not a hexadecimal number")
	errSRPATooLong = errors.New("SRP_A is too long")
	errSRPAZero    = errors.New("SRP_A mod N is zero")
)

// parseSRPA parses the client's public value A: hexadecimal in either case,
// leading zeros allowed, at most maxSRPAHexDigits digits, and A mod N != 0.
// The length and character checks run before any big-number work.
func parseSRPA(s string) (*big.Int, error) {
	if len(s) > maxSRPAHexDigits {
		return nil, errSRPATooLong
	}
	if s == "" {
		return nil, errSRPAInvalid
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		isHex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		if !isHex {
			return nil, errSRPAInvalid
		}
	}
	a, ok := new(big.Int).SetString(s, 16)
	if !ok {
		return nil, errSRPAInvalid
	}
	if new(big.Int).Mod(a, groupN).Sign() == 0 {
		return nil, errSRPAZero
	}
	return a, nil
}

// scramble returns u = H(pad(A) || pad(B)).
func scramble(bigA, bigB *big.Int) *big.Int {
	return new(big.Int).SetBytes(hashBytes(padInt(bigA), padInt(bigB)))
}

// serverSessionKey computes S = (A * v^u)^b mod N and derives the 16-byte
// key that the client used for its signature. It fails when u = 0, which a
// client must reject too.
func serverSessionKey(bigA, bigB, b, v *big.Int) ([]byte, error) {
	u := scramble(bigA, bigB)
	if u.Sign() == 0 {
		return nil, errors.New("cognitotest: SRP scrambling parameter u is zero")
	}
	base := new(big.Int).Exp(v, u, groupN)
	base.Mul(base, bigA).Mod(base, groupN)
	s := new(big.Int).Exp(base, b, groupN)
	return deriveKey(s, u), nil
}

// deriveKey is HKDF-SHA256 with salt pad(u), input key material pad(S) and
// info "Caldera Derived Key", truncated to the first 16 bytes of the first
// output block.
func deriveKey(s, u *big.Int) []byte {
	extract := hmac.New(sha256.New, padInt(u))
	extract.Write(padInt(s))
	prk := extract.Sum(nil)

	expand := hmac.New(sha256.New, prk)
	expand.Write([]byte(derivedKeyInfo))
	expand.Write([]byte{1})
	return expand.Sum(nil)[:16]
}

// claimSignature returns HMAC-SHA256(key, poolName || userID || secretBlock
// || timestamp), where secretBlock is the decoded SECRET_BLOCK and timestamp
// is the canonical TIMESTAMP text.
func claimSignature(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(poolName))
	mac.Write([]byte(userID))
	mac.Write(secretBlock)
	mac.Write([]byte(timestamp))
	return mac.Sum(nil)
}

// secretHash returns Base64(HMAC-SHA256(key = client secret, message =
// username || clientID)), the SECRET_HASH of an app client with a secret.
func secretHash(clientSecret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
