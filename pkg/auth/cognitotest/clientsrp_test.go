package cognitotest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"
)

// testClient is the client half of Cognito SRP, written apart from the
// server code and working on hex text the way the official clients do, so
// that tests compare two implementations rather than one with itself.
// Unlike cognito-srp it exposes its private value a and can sign any
// TIMESTAMP text, which tests of malformed challenge responses need.
type testClient struct {
	poolName string
	a, bigA  *big.Int
}

// testGroup holds N, g and k parsed from the vector file.
type testGroupParams struct {
	n, g, k *big.Int
}

var loadTestGroup = sync.OnceValues(func() (testGroupParams, error) {
	var f vectorFile
	data, err := os.ReadFile("testdata/srp-vectors.json")
	if err != nil {
		return testGroupParams{}, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return testGroupParams{}, err
	}
	n, _ := new(big.Int).SetString(f.Constants.NHex, 16)
	g := big.NewInt(int64(f.Constants.G))
	k, _ := new(big.Int).SetString(hexSHA256(hexPad(n.Text(16))+hexPad(g.Text(16))), 16)
	return testGroupParams{n: n, g: g, k: k}, nil
})

func testGroup(t testing.TB) testGroupParams {
	t.Helper()
	p, err := loadTestGroup()
	if err != nil {
		t.Fatalf("load SRP group from testdata: %v", err)
	}
	return p
}

// hexPad applies the sign-byte rule to hex text: a leading "0" for an odd
// length, "00" when the first digit is 8-f.
func hexPad(h string) string {
	if len(h)%2 == 1 {
		return "0" + h
	}
	if strings.ContainsRune("89abcdefABCDEF", rune(h[0])) {
		return "00" + h
	}
	return h
}

func hexSHA256(hexText string) string {
	b, err := hex.DecodeString(hexText)
	if err != nil {
		panic("hexSHA256: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func newTestClient(t testing.TB, poolID string, a *big.Int) *testClient {
	t.Helper()
	grp := testGroup(t)
	_, poolName, _ := strings.Cut(poolID, "_")
	if a == nil {
		buf := make([]byte, 128)
		if _, err := rand.Read(buf); err != nil {
			t.Fatal(err)
		}
		a = new(big.Int).Mod(new(big.Int).SetBytes(buf), grp.n)
	}
	return &testClient{poolName: poolName, a: a, bigA: new(big.Int).Exp(grp.g, a, grp.n)}
}

// srpA returns A as lower-case hex.
func (c *testClient) srpA() string { return c.bigA.Text(16) }

// premaster returns S and u for the given challenge values.
func (c *testClient) premaster(t testing.TB, userID, password string, bigB, salt *big.Int) (s, u *big.Int) {
	t.Helper()
	grp := testGroup(t)
	u, _ = new(big.Int).SetString(hexSHA256(hexPad(c.bigA.Text(16))+hexPad(bigB.Text(16))), 16)
	inner := sha256.Sum256([]byte(c.poolName + userID + ":" + password))
	x, _ := new(big.Int).SetString(hexSHA256(hexPad(salt.Text(16))+hex.EncodeToString(inner[:])), 16)
	gx := new(big.Int).Exp(grp.g, x, grp.n)
	base := new(big.Int).Sub(bigB, new(big.Int).Mul(grp.k, gx))
	exp := new(big.Int).Add(c.a, new(big.Int).Mul(u, x))
	return new(big.Int).Exp(base, exp, grp.n), u
}

// key returns the 16-byte HKDF key for the given challenge values.
func (c *testClient) key(t testing.TB, userID, password string, bigB, salt *big.Int) []byte {
	t.Helper()
	s, u := c.premaster(t, userID, password, bigB, salt)
	ikm, _ := hex.DecodeString(hexPad(s.Text(16)))
	hkdfSalt, _ := hex.DecodeString(hexPad(u.Text(16)))
	prk := hmac.New(sha256.New, hkdfSalt)
	prk.Write(ikm)
	okm := hmac.New(sha256.New, prk.Sum(nil))
	okm.Write(append([]byte("Caldera Derived Key"), 1))
	return okm.Sum(nil)[:16]
}

// sign returns the base64 password claim signature.
func (c *testClient) sign(key []byte, userID string, secretBlock []byte, timestamp string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(c.poolName + userID))
	mac.Write(secretBlock)
	mac.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// answer builds PASSWORD_VERIFIER challenge responses for params, signing
// timestamp as given. secret, when not empty, adds a SECRET_HASH over the
// challenge USERNAME.
func (c *testClient) answer(t testing.TB, params map[string]string, password, timestamp, clientID, secret string) map[string]string {
	t.Helper()
	bigB, ok := new(big.Int).SetString(params["SRP_B"], 16)
	if !ok {
		t.Fatalf("challenge SRP_B %q is not hex", params["SRP_B"])
	}
	salt, ok := new(big.Int).SetString(params["SALT"], 16)
	if !ok {
		t.Fatalf("challenge SALT %q is not hex", params["SALT"])
	}
	block, err := base64.StdEncoding.DecodeString(params["SECRET_BLOCK"])
	if err != nil {
		t.Fatalf("challenge SECRET_BLOCK is not base64: %v", err)
	}
	userID := params["USER_ID_FOR_SRP"]
	key := c.key(t, userID, password, bigB, salt)
	r := map[string]string{
		"USERNAME":                    params["USERNAME"],
		"PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
		"PASSWORD_CLAIM_SIGNATURE":    c.sign(key, userID, block, timestamp),
		"TIMESTAMP":                   timestamp,
	}
	if secret != "" {
		r["SECRET_HASH"] = testSecretHash(secret, params["USERNAME"], clientID)
	}
	return r
}

func testSecretHash(secret, username, clientID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
