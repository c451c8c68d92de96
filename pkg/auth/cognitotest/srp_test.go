package cognitotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"
)

type vectorFile struct {
	Constants struct {
		NHex     string `json:"N_hex"`
		G        int    `json:"g"`
		KHex     string `json:"k_hex"`
		KDecimal string `json:"k_decimal"`
	} `json:"constants"`
	Vectors []srpVector `json:"vectors"`
}

type srpVector struct {
	Name               string `json:"name"`
	User               string `json:"user"`
	UserID             string `json:"user_id"`
	Password           string `json:"password"`
	Pool               string `json:"pool"`
	Client             string `json:"client"`
	Secret             string `json:"secret"`
	AHex               string `json:"a_hex"`
	SaltHex            string `json:"salt_hex"`
	BPrivHex           string `json:"b_hex"`
	VPrefix            string `json:"v_prefix"`
	BHex               string `json:"B_hex"`
	SecretBlock        string `json:"secret_block"`
	TSCanonical        string `json:"ts_canonical"`
	TSGo               string `json:"ts_go_v410"`
	HKDFKey            string `json:"hkdf_key"`
	SigCanonical       string `json:"sig_canonical"`
	SigGo              string `json:"sig_go_v410"`
	SecretHashInitiate string `json:"secret_hash_initiate"`
	SecretHashRespond  string `json:"secret_hash_respond"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	data, err := os.ReadFile("testdata/srp-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func hexInt(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("invalid hex %q", s)
	}
	return n
}

func poolNameOf(poolID string) string {
	_, name, _ := strings.Cut(poolID, "_")
	return name
}

func TestMultiplierMatchesCognito(t *testing.T) {
	f := loadVectors(t)
	if err := checkGroup(); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(multiplier.Bytes()); got != f.Constants.KHex {
		t.Errorf("k = %s, want %s", got, f.Constants.KHex)
	}
	if got := multiplier.String(); got != f.Constants.KDecimal {
		t.Errorf("k = %s (decimal), want %s", got, f.Constants.KDecimal)
	}
	if got := groupN.Text(16); got != strings.ToLower(f.Constants.NHex) {
		t.Errorf("N differs from the published 3072-bit group")
	}
}

// Look-alike servers hashed N and g padded to 384 bytes (RFC 5054 style),
// or N without its sign byte. Every real client then failed to sign in.
func TestFixedWidthMultiplierDiffers(t *testing.T) {
	nBytes := groupN.Bytes()
	g384 := make([]byte, len(nBytes))
	g384[len(g384)-1] = 2
	for name, k := range map[string][]byte{
		"N and g padded to 384 bytes": hashBytes(nBytes, g384),
		"N without sign byte":         hashBytes(nBytes, []byte{2}),
	} {
		if bytes.Equal(k, multiplier.Bytes()) {
			t.Errorf("%s gives the same k; the padding rule is not being tested", name)
		}
	}
}

func TestPadInt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"123abc", "123abc"},
		{"123abcd", "0123abcd"},
		{"8123abcd", "008123abcd"},
		{"2", "02"},
		{"0", "00"},
		{"e5b7c11111111111111111111111111", "0e5b7c11111111111111111111111111"},
		{"c0ffee0123456789abcdef0011223344", "00c0ffee0123456789abcdef0011223344"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := hex.EncodeToString(padInt(hexInt(t, tt.in))); got != tt.want {
				t.Errorf("padInt(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	if got := hex.EncodeToString(padInt(groupN)); len(got) != 770 || !strings.HasPrefix(got, "00ff") {
		t.Errorf("padInt(N) has %d hex digits starting %s, want 770 starting 00ff", len(got), got[:4])
	}
}

func TestVectorsServerAndClientAgree(t *testing.T) {
	f := loadVectors(t)
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			poolName := poolNameOf(v.Pool)
			salt := hexInt(t, v.SaltHex)
			b := hexInt(t, v.BPrivHex)
			block, err := base64.StdEncoding.DecodeString(v.SecretBlock)
			if err != nil {
				t.Fatal(err)
			}

			verifier := newVerifier(poolName, v.UserID, v.Password, salt)
			if got := verifier.Text(16); !strings.HasPrefix(got, v.VPrefix) {
				t.Errorf("verifier starts %s, want %s", got[:len(v.VPrefix)], v.VPrefix)
			}
			bigB := serverPublic(verifier, b)
			if got := bigB.Text(16); got != v.BHex {
				t.Errorf("B = %s..., want %s...", got[:16], v.BHex[:16])
			}

			client := newTestClient(t, v.Pool, hexInt(t, v.AHex))
			serverKey, err := serverSessionKey(client.bigA, bigB, b, verifier)
			if err != nil {
				t.Fatal(err)
			}
			clientKey := client.key(t, v.UserID, v.Password, hexInt(t, v.BHex), salt)
			if got := hex.EncodeToString(serverKey); got != v.HKDFKey {
				t.Errorf("server key = %s, want %s", got, v.HKDFKey)
			}
			if got := hex.EncodeToString(clientKey); got != v.HKDFKey {
				t.Errorf("client key = %s, want %s", got, v.HKDFKey)
			}

			serverSig := base64.StdEncoding.EncodeToString(claimSignature(serverKey, poolName, v.UserID, block, v.TSCanonical))
			if serverSig != v.SigCanonical {
				t.Errorf("server signature = %s, want %s", serverSig, v.SigCanonical)
			}
			if got := client.sign(clientKey, v.UserID, block, v.TSCanonical); got != v.SigCanonical {
				t.Errorf("client signature = %s, want %s", got, v.SigCanonical)
			}
			if got := client.sign(clientKey, v.UserID, block, v.TSGo); got != v.SigGo {
				t.Errorf("client signature over %q = %s, want %s", v.TSGo, got, v.SigGo)
			}

			if err := verifyPasswordClaim(serverKey, poolName, v.UserID, block, v.TSCanonical, v.SigCanonical); err != nil {
				t.Errorf("canonical TIMESTAMP rejected: %v", err)
			}
			// cognito-srp v4.1.0 formats the hour on a 12-hour clock. Its
			// response still verifies because the server signs what it parsed.
			if err := verifyPasswordClaim(serverKey, poolName, v.UserID, block, v.TSGo, v.SigGo); err != nil {
				t.Errorf("cognito-srp TIMESTAMP %q rejected: %v", v.TSGo, err)
			}

			if v.Secret != "" {
				if got := secretHash(v.Secret, v.User, v.Client); got != v.SecretHashInitiate {
					t.Errorf("SECRET_HASH over typed name = %s, want %s", got, v.SecretHashInitiate)
				}
				if got := secretHash(v.Secret, v.UserID, v.Client); got != v.SecretHashRespond {
					t.Errorf("SECRET_HASH over internal name = %s, want %s", got, v.SecretHashRespond)
				}
			}
		})
	}
}

// The public test vector of github.com/alexrudd/cognito-srp: a, B and salt
// are all 1234567890, so only the client math and the server's key
// derivation and signature check can be compared.
func TestCognitoSRPLibraryVector(t *testing.T) {
	n := big.NewInt(1234567890)
	client := newTestClient(t, "eu-west-1_myPool", n)
	block := []byte("secretssecrestssecrets")
	const timestamp = "Tue Jul 10 11:01:00 UTC 2018"
	const wantSig = "tdvQu/Li/qWl8Nni0aFPs+MwY4rvKZm0kSMrGIMSUHk="

	key := client.key(t, "test", "test", n, n)
	if got := hex.EncodeToString(key); got != "d96cde6c95dda17175c1293140c5a81f" {
		t.Errorf("client key = %s", got)
	}
	s, u := client.premaster(t, "test", "test", n, n)
	if got := deriveKey(s, u); !bytes.Equal(got, key) {
		t.Errorf("server deriveKey = %x, client key = %x", got, key)
	}
	if got := scramble(client.bigA, n); got.Cmp(u) != 0 {
		t.Errorf("server u = %s, client u = %s", got.Text(16), u.Text(16))
	}
	if got := client.sign(key, "test", block, timestamp); got != wantSig {
		t.Errorf("client signature = %s, want %s", got, wantSig)
	}
	if err := verifyPasswordClaim(key, "myPool", "test", block, timestamp, wantSig); err != nil {
		t.Errorf("server rejected the library's signature: %v", err)
	}
	if got := secretHash("clientSecret", "test", "123abd"); got != "LoIX/oPJWZzFYv8liJYRo+CHv16FNDY10JlZEDjL3Vg=" {
		t.Errorf("SECRET_HASH = %s", got)
	}
}

// A claim that real Cognito accepted, from the unit tests of
// aws/aws-sdk-net-extensions-cognito (AuthenticationCryptoTests.cs).
func TestDotNetRealCognitoVector(t *testing.T) {
	var exchange struct {
		SRPB        string `json:"srp_b"`
		SecretBlock string `json:"secret_block"`
		SRPB2       string `json:"srp_b_2"`
	}
	data, err := os.ReadFile("testdata/dotnet-vector.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &exchange); err != nil {
		t.Fatal(err)
	}
	a := hexInt(t, strings.Repeat("02", 1023)+"00")
	client := newTestClient(t, "us-east-1_Pj8nlkpKR", a)
	salt := hexInt(t, "b704a27deb8cf5efec43a40eac5b60d2")

	t.Run("claim", func(t *testing.T) {
		bigB := hexInt(t, exchange.SRPB)
		block, err := base64.StdEncoding.DecodeString(exchange.SecretBlock)
		if err != nil {
			t.Fatal(err)
		}
		const timestamp = "Thu Jun 15 07:00:00 UTC 2017"
		const wantClaim = "QwHbbUqF6DSSepJh2QqTWDCb1XjmqaxnnW5kDn5dz7E="
		key := client.key(t, "User5", "Password1!", bigB, salt)
		if got := client.sign(key, "User5", block, timestamp); got != wantClaim {
			t.Errorf("client claim = %s, want %s", got, wantClaim)
		}
		s, u := client.premaster(t, "User5", "Password1!", bigB, salt)
		if got := deriveKey(s, u); !bytes.Equal(got, key) {
			t.Errorf("server deriveKey = %x, client key = %x", got, key)
		}
		if err := verifyPasswordClaim(key, "Pj8nlkpKR", "User5", block, timestamp, wantClaim); err != nil {
			t.Errorf("server rejected the real Cognito claim: %v", err)
		}
	})
	t.Run("key", func(t *testing.T) {
		key := client.key(t, "User5", "Password1!", hexInt(t, exchange.SRPB2), salt)
		if got := base64.StdEncoding.EncodeToString(key); got != "LmbBsy/4chqMRYOhmtmCrA==" {
			t.Errorf("key = %s, want LmbBsy/4chqMRYOhmtmCrA==", got)
		}
	})
	t.Run("inner hash", func(t *testing.T) {
		sum := sha256.Sum256([]byte("Pj8nlkpKR" + "User5" + ":" + "Password1!"))
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != "rJra60Rbj/4QW4UdYVl7wde78eMoiaw7Wk+WoDqo5K8=" {
			t.Errorf("H(pool || user || : || password) = %s", got)
		}
	})
	if got := secretHash("secret", "Mess", "age"); got != "qnR8UCqJggD55PohusaBNviGoOJ67HC6Btry4qXLVZc=" {
		t.Errorf("SECRET_HASH = %s", got)
	}
}

// Look-alike servers used the full pool id ("region_name") in the password
// hash and the signed message. Real clients use only the part after the
// underscore, so such a server rejects every real sign-in.
func TestFullPoolIDInProofRejected(t *testing.T) {
	v := loadVectors(t).Vectors[1]
	block, _ := base64.StdEncoding.DecodeString(v.SecretBlock)
	salt := hexInt(t, v.SaltHex)
	wrong := newTestClient(t, v.Pool, hexInt(t, v.AHex))
	wrong.poolName = v.Pool
	wrongKey := wrong.key(t, v.UserID, v.Password, hexInt(t, v.BHex), salt)
	wrongSig := wrong.sign(wrongKey, v.UserID, block, v.TSCanonical)
	if wrongSig != "/7/nK84cZd7AkHIPYqSU2QrFfEoV/8euFF622gliCpw=" {
		t.Errorf("signature with full pool id = %s", wrongSig)
	}

	verifier := newVerifier(poolNameOf(v.Pool), v.UserID, v.Password, salt)
	serverKey, err := serverSessionKey(wrong.bigA, serverPublic(verifier, hexInt(t, v.BPrivHex)), hexInt(t, v.BPrivHex), verifier)
	if err != nil {
		t.Fatal(err)
	}
	err = verifyPasswordClaim(serverKey, poolNameOf(v.Pool), v.UserID, block, v.TSCanonical, wrongSig)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

// A client that zero-pads the day ("Mar 05") failed on the 1st to 9th of
// every month: the server signs its own rendering, "Mar 5".
func TestTimestampZeroPaddedDayRejected(t *testing.T) {
	v := loadVectors(t).Vectors[0]
	key, _ := hex.DecodeString(v.HKDFKey)
	block, _ := base64.StdEncoding.DecodeString(v.SecretBlock)
	const padded = "Tue Mar 05 09:07:03 UTC 2024"
	client := newTestClient(t, v.Pool, hexInt(t, v.AHex))
	sig := client.sign(key, v.UserID, block, padded)
	if sig != "Oz4qV78z9CtCrAMEeTBxf6TU1PfJ/imh2M8S25cknjg=" {
		t.Fatalf("client signature over padded day = %s", sig)
	}
	err := verifyPasswordClaim(key, poolNameOf(v.Pool), v.UserID, block, padded, sig)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

func TestTimestampWrongWeekdayRejected(t *testing.T) {
	v := loadVectors(t).Vectors[0]
	key, _ := hex.DecodeString(v.HKDFKey)
	block, _ := base64.StdEncoding.DecodeString(v.SecretBlock)
	const wrongDay = "Wed Mar 5 09:07:03 UTC 2024"
	client := newTestClient(t, v.Pool, hexInt(t, v.AHex))
	sig := client.sign(key, v.UserID, block, wrongDay)
	if sig != "JUnLGCPGBArmTdbuIkyDoh/c0mGct/pWLleW/iMmB+Y=" {
		t.Fatalf("client signature over wrong weekday = %s", sig)
	}
	err := verifyPasswordClaim(key, poolNameOf(v.Pool), v.UserID, block, wrongDay, sig)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

func TestParseSRPA(t *testing.T) {
	valid := newTestClient(t, DefaultPoolID, nil).srpA()
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"lower case", valid, nil},
		{"upper case with leading zero", "0" + strings.ToUpper(valid), nil},
		{"zero", "0", errSRPAZero},
		{"N", groupN.Text(16), errSRPAZero},
		{"2N", new(big.Int).Lsh(groupN, 1).Text(16), errSRPAZero},
		{"too long", strings.Repeat("1", maxSRPAHexDigits+1), errSRPATooLong},
		{"sign", "-" + valid[:100], errSRPAInvalid},
		{"prefix", "0x" + valid[:100], errSRPAInvalid},
		{"empty", "", errSRPAInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSRPA(tt.in)
			if err != tt.wantErr {
				t.Errorf("parseSRPA error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
