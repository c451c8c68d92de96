package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// AssetService is the part of the Skylark client that the handler uses.
// *skylark.AssetsService implements it.
type AssetService interface {
	Get(ctx context.Context, uid string, opts *skylark.RequestOptions) (*skylark.Asset, error)
	GetByDataSource(ctx context.Context, id string, opts *skylark.RequestOptions) (*skylark.Asset, error)
	Patch(ctx context.Context, uid string, fields map[string]any, opts *skylark.RequestOptions) (*skylark.Asset, error)
}

// applied reports what one update did.
type applied struct {
	uid     string   // the asset's uid once it was read
	changed []string // keys sent in the PATCH; empty when nothing changed
	skip    string   // reason nothing was written
}

// applyUpdate reads the asset, merges the update into what it read and
// sends a PATCH with only the keys whose values change. When nothing would
// change it writes nothing, so a redelivered message is harmless.
func applyUpdate(ctx context.Context, assets AssetService, u update) (applied, error) {
	var opts *skylark.RequestOptions
	if u.Language != "" {
		opts = &skylark.RequestOptions{Language: u.Language}
	}

	var asset *skylark.Asset
	var err error
	if u.Asset.UID != "" {
		asset, err = assets.Get(ctx, u.Asset.UID, opts)
	} else {
		asset, err = assets.GetByDataSource(ctx, u.Asset.DataSourceID, opts)
	}
	if errors.Is(err, skylark.ErrNotFound) {
		return applied{}, permanent(codeAssetNotFound, fmt.Errorf("asset with %s not found in Skylark: %w", u.Asset, err))
	}
	if err != nil {
		return applied{}, fmt.Errorf("read asset with %s: %w", u.Asset, err)
	}
	res := applied{uid: asset.UID}

	patch := map[string]any{}
	for key, value := range u.Fields {
		current, ok := asset.Get(key)
		if ok && jsonValueEqual(current, value) {
			continue
		}
		patch[key] = value
	}

	if len(u.Upsert) > 0 || len(u.Remove) > 0 {
		if u.S3 != nil {
			if reason := u.S3.staleReason(ovpEntry(asset.OVPs, u.s3Account())); reason != "" {
				res.skip = reason
				return res, nil
			}
		}
		upsert, err := toOVPs(u.Upsert)
		if err != nil {
			return res, permanent(codeInvalidMessage, err)
		}
		// NOTE: the whole merged list is written back and Skylark has no
		// conditional write, so two containers that update one asset at the
		// same moment can lose one change. Lanes serialise updates within a
		// batch only; a FIFO queue grouped by asset serialises them all.
		if merged, changed := skylark.MergeOVPs(asset.OVPs, upsert, u.Remove); changed {
			patch["ovps"] = merged
		}
	}

	if len(patch) == 0 {
		res.skip = "no change: the asset already has these values"
		return res, nil
	}
	if _, err := assets.Patch(ctx, asset.UID, patch, opts); err != nil {
		return res, fmt.Errorf("update asset %s: %w", asset.UID, err)
	}
	res.changed = sortedKeys(patch)
	return res, nil
}

// s3Account returns the account_url an S3 update writes or removes.
func (u update) s3Account() string {
	if len(u.Upsert) > 0 {
		account, _ := u.Upsert[0]["account_url"].(string)
		return account
	}
	if len(u.Remove) > 0 {
		return u.Remove[0]
	}
	return ""
}

// ovpEntry returns the entry for account as a map of decoded values, or nil.
func ovpEntry(ovps []skylark.OVP, account string) map[string]any {
	for _, o := range ovps {
		if o.AccountURL != account {
			continue
		}
		data, err := json.Marshal(o)
		if err != nil {
			return map[string]any{}
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return map[string]any{}
		}
		return m
	}
	return nil
}

func toOVPs(entries []map[string]any) ([]skylark.OVP, error) {
	out := make([]skylark.OVP, 0, len(entries))
	for i, e := range entries {
		data, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("ovps entry %d: %w", i, err)
		}
		var o skylark.OVP
		if err := json.Unmarshal(data, &o); err != nil {
			return nil, fmt.Errorf("ovps entry %d: %w", i, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// jsonValueEqual compares a stored JSON value with a new value by meaning,
// so 1 equals 1.0 and key order does not matter.
func jsonValueEqual(current json.RawMessage, value any) bool {
	next, err := json.Marshal(value)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(current, &a) != nil || json.Unmarshal(next, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// describeChange returns the changed keys for the log line.
func describeChange(keys []string) string {
	sort.Strings(keys)
	return "updated " + strings.Join(keys, ", ")
}
