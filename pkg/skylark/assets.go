package skylark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AssetsService reads and updates assets under /api/assets/.
type AssetsService service

// ListOptions selects, orders and pages the assets List returns.
type ListOptions struct {
	RequestOptions

	// Start is the offset of the first asset (the start parameter); 0 starts
	// at the beginning.
	Start int

	// Limit is the page size (the limit parameter); 0 sends none and leaves
	// the page size to the server.
	Limit int

	// Order names the field to sort by, with a "-" prefix for descending
	// order (the order parameter). Related fields use "__", as in
	// "asset_type_url__name".
	Order string

	// Fields restricts the keys returned (the fields parameter). The uid is
	// required in each object only when Fields is empty or names "uid".
	Fields []string

	// FieldsToExpand names relationship fields to return as objects instead
	// of URLs (the fields_to_expand parameter).
	FieldsToExpand []string

	// Filter holds filter parameters passed through as they are, such as
	// "slug": {"my-film"}, "-title": {"x"} or "created__gte":
	// {"2024-01-01T00:00:00"}. It must not repeat the parameters above.
	Filter url.Values
}

var reservedListParams = []string{"start", "limit", "order", "fields", "fields_to_expand"}

func (o *ListOptions) query() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Start < 0 {
		return nil, &ArgumentError{Name: "ListOptions.Start", Value: strconv.Itoa(o.Start),
			Reason: "must not be negative"}
	}
	if o.Limit < 0 {
		return nil, &ArgumentError{Name: "ListOptions.Limit", Value: strconv.Itoa(o.Limit),
			Reason: "must not be negative (0 leaves the page size to the server)"}
	}
	for key, values := range o.Filter {
		if key == "" || slices.Contains(reservedListParams, strings.TrimPrefix(key, "-")) {
			return nil, &ArgumentError{Name: "filter parameter", Value: key,
				Reason: "must be a field name, not empty or one of " +
					strings.Join(reservedListParams, ", ") + " (use the ListOptions fields)"}
		}
		q[key] = slices.Clone(values)
	}
	if o.Start > 0 {
		q.Set("start", strconv.Itoa(o.Start))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Order != "" {
		q.Set("order", o.Order)
	}
	if len(o.Fields) > 0 {
		q.Set("fields", strings.Join(o.Fields, ","))
	}
	if len(o.FieldsToExpand) > 0 {
		q.Set("fields_to_expand", strings.Join(o.FieldsToExpand, ","))
	}
	return q, nil
}

// requiresUID reports whether the objects returned must carry a uid.
func (o *ListOptions) requiresUID() bool {
	return o == nil || len(o.Fields) == 0 || slices.Contains(o.Fields, keyUID)
}

// Get returns the asset with the given uid, which must pass
// ValidateAssetUID. A deleted or unknown asset is an error matching
// ErrNotFound.
func (s *AssetsService) Get(ctx context.Context, uid string, opts *RequestOptions) (*Asset, error) {
	if err := ValidateAssetUID(uid); err != nil {
		return nil, err
	}
	return s.send(ctx, http.MethodGet, assetPath(uid), nil, opts)
}

// GetByDataSource returns the asset whose data_source_id is id, through
// GET /api/assets/versions/data-source/<id>/. The id must pass
// ValidateDataSourceID; it is escaped for the path.
func (s *AssetsService) GetByDataSource(ctx context.Context, id string,
	opts *RequestOptions) (*Asset, error) {
	if err := ValidateDataSourceID(id); err != nil {
		return nil, err
	}
	return s.send(ctx, http.MethodGet, dataSourcePath(id), nil, opts)
}

// List returns one page of assets. Use opts to page, order, filter and
// select fields; nil lists with the server's defaults.
func (s *AssetsService) List(ctx context.Context, opts *ListOptions) ([]*Asset, error) {
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	var ro *RequestOptions
	if opts != nil {
		ro = &opts.RequestOptions
	}
	req, err := s.client.newRequest(ctx, http.MethodGet, "api/assets/", q, nil, ro)
	if err != nil {
		return nil, err
	}

	var list []*Asset
	_, err = s.client.do(ctx, req, "list of assets", s.client.maxListBytes, func(data []byte) error {
		var page struct {
			Objects *[]*Asset `json:"objects"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return err
		}
		if page.Objects == nil {
			return errors.New(`the "objects" list is missing`)
		}
		for i, a := range *page.Objects {
			if a == nil {
				return fmt.Errorf("objects[%d] is null", i)
			}
			if a.UID == "" && opts.requiresUID() {
				return fmt.Errorf("objects[%d] has no uid", i)
			}
		}
		list = *page.Objects
		return nil
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// Patch updates the given fields of the asset with this uid and returns the
// updated asset. Keys not in fields are left as they are. A list such as
// ovps or plan_urls is replaced as a whole, so merge first (see MergeOVPs).
// With opts.Language, language fields such as title are written to that
// language version.
func (s *AssetsService) Patch(ctx context.Context, uid string, fields map[string]any,
	opts *RequestOptions) (*Asset, error) {
	if err := ValidateAssetUID(uid); err != nil {
		return nil, err
	}
	if fields == nil {
		fields = map[string]any{}
	}
	return s.send(ctx, http.MethodPatch, assetPath(uid), fields, opts)
}

// PutByDataSource creates or replaces the asset whose data_source_id is id,
// through PUT /api/assets/versions/data-source/<id>/, and returns it. The
// whole asset is sent, including keys this package does not model, so a
// read-modify-write keeps them. asset.DataSourceID must be empty or equal
// to id.
func (s *AssetsService) PutByDataSource(ctx context.Context, id string, asset *Asset,
	opts *RequestOptions) (*Asset, error) {
	if err := ValidateDataSourceID(id); err != nil {
		return nil, err
	}
	if asset == nil {
		return nil, &ArgumentError{Name: "asset", Value: "<nil>", Reason: "must not be nil"}
	}
	if asset.DataSourceID != "" && asset.DataSourceID != id {
		return nil, &ArgumentError{Name: "asset data_source_id", Value: asset.DataSourceID,
			Reason: fmt.Sprintf("must be empty or equal to the id in the URL %s", quoteValue(id))}
	}
	return s.send(ctx, http.MethodPut, dataSourcePath(id), asset, opts)
}

func (s *AssetsService) send(ctx context.Context, method, path string, body any,
	opts *RequestOptions) (*Asset, error) {
	req, err := s.client.newRequest(ctx, method, path, nil, body, opts)
	if err != nil {
		return nil, err
	}
	var asset Asset
	_, err = s.client.do(ctx, req, "asset", s.client.maxObjectBytes, func(data []byte) error {
		// UnmarshalJSON validates the whole body itself, so calling it
		// directly saves json.Unmarshal's extra validation pass.
		if err := asset.UnmarshalJSON(data); err != nil {
			return err
		}
		if asset.UID == "" {
			return errors.New("the asset has no uid")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &asset, nil
}

// assetPath returns the path of an asset; uid has been validated.
func assetPath(uid string) string {
	return "api/assets/" + uid + "/"
}

// dataSourcePath returns the upsert path for a validated data-source id.
func dataSourcePath(id string) string {
	return "api/assets/versions/data-source/" + url.PathEscape(id) + "/"
}
