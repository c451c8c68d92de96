package jwks

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Parse decodes a JSON Web Key Set and returns its RSA keys by key id.
// Keys of other types, and keys without a kid, are skipped. An RSA key
// whose modulus or exponent is not valid base64url (RFC 7518, section
// 6.3.1) fails the whole set, as does a set with no usable RSA key.
func Parse(r io.Reader) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode the key set: %w", err)
	}

	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" {
			continue
		}
		key, err := rsaKey(k.N, k.E)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k.Kid, err)
		}
		keys[k.Kid] = key
	}
	if len(keys) == 0 {
		return nil, errors.New("the key set has no RSA key with a kid")
	}
	return keys, nil
}

// rsaKey builds a public key from the base64url-encoded, big-endian
// modulus and exponent.
func rsaKey(modulus, exponent string) (*rsa.PublicKey, error) {
	n, errN := base64.RawURLEncoding.DecodeString(modulus)
	e, errE := base64.RawURLEncoding.DecodeString(exponent)
	// An exponent of more than 4 bytes does not fit rsa.PublicKey.E on
	// every platform, and no real key uses one.
	if errN != nil || errE != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("invalid modulus or exponent: want unpadded base64url, " +
			"with an exponent of 1 to 4 bytes")
	}
	exp := new(big.Int).SetBytes(e).Int64()
	if exp < 2 {
		return nil, fmt.Errorf("invalid exponent %d: want at least 2", exp)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp)}, nil
}
