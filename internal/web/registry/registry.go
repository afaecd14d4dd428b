// Package registry serves a use case's asset registry: the datasets, models
// and prompts, their immutable numbered versions, and the aliases that point
// at one version each, with their history. It answers the native registry
// API under /api/v1/usecases/{slug}/assets and renders the registry pages
// under /usecases/{slug}/registry. It imports no other feature of package
// web.
package registry

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serves the registry pages and API.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render; loaded with Pages
	DB                 *store.DB
}

// Pages are this package's page templates, partials, template functions
// and notices; render.Load must be given them before Handlers can render.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Partials: "templates/partials/*.html", Funcs: funcs(), Notices: notices}
}

// notices are the confirmations shown after this package's redirects.
var notices = map[string]string{
	"asset-created":     "Asset registered. Register its first version through the API or the command line.",
	"alias-moved":       "Alias moved.",
	"alias-deleted":     "Alias removed.",
	"status-changed":    "Status changed.",
	"sensitivity-saved": "Sensitivity saved as a new revision.",
}

func funcs() template.FuncMap {
	return template.FuncMap{
		"registryPath": RegistryPath,
		"assetPath":    AssetPath,
		"versionPath":  VersionPath,
		"kinds":        func() []domain.Kind { return domain.Kinds },
		"kindLabel":    kindLabel,
		"kindPlural":   kindPlural,
		"statuses":     func() []domain.Status { return []domain.Status{domain.Ready, domain.Deprecated, domain.Archived} },
		"shortDigest":  func(d string) string { return d[:min(len(d), 12)] },
		"bytes":        humanBytes,
		"num":          formatFloat,
		"pct":          func(q float64) string { return strconv.FormatFloat(q*100, 'f', -1, 64) + "%" },
		"deref":        func(f *float64) float64 { return *f },
		"runPath":      RunPath,
		"millis":       func(ms int64) time.Time { return time.UnixMilli(ms).UTC() },
		"metric": func(m MetricValue) string {
			if m.NonFinite != "" {
				return m.NonFinite
			}
			return formatFloat(m.Value)
		},
		"checkTone":       checkTone,
		"classifications": func() []domain.Classification { return domain.Classifications },
		"columnsOf":       func(caption string, c []domain.Column) columnTable { return columnTable{caption, c} },
	}
}

// columnTable is a list of columns with the caption of its table.
type columnTable struct {
	Caption string
	Columns []domain.Column
}

// Addresses of the registry pages.

// RegistryPath is the address of a use case's registry.
func RegistryPath(slug string) string { return render.UseCasePath(slug) + "/registry" }

// AssetPath is the address of an asset's page.
func AssetPath(slug string, k domain.Kind, name string) string {
	return RegistryPath(slug) + "/" + url.PathEscape(string(k)) + "/" + url.PathEscape(name)
}

// VersionPath is the address of a version's page.
func VersionPath(slug string, k domain.Kind, name string, n int) string {
	return AssetPath(slug, k, name) + "/" + strconv.Itoa(n)
}

// apiAssetPath is the API address of an asset.
func apiAssetPath(slug string, k domain.Kind, name string) string {
	return "/api/v1/usecases/" + url.PathEscape(slug) + "/assets/" + url.PathEscape(string(k)) + "/" + url.PathEscape(name)
}

func kindLabel(k domain.Kind) string { return render.Capitalise(string(k)) }

func kindPlural(k domain.Kind) string {
	switch k {
	case domain.Dataset:
		return "Datasets"
	case domain.Model:
		return "Models"
	case domain.Prompt:
		return "Prompts"
	}
	return render.Capitalise(string(k))
}

// refOf is the asset the request's path names.
func refOf(r *http.Request) domain.Ref {
	return domain.Ref{Kind: domain.Kind(r.PathValue("kind")), Name: r.PathValue("name")}
}

// versionOf is the version number the request's path names; anything but a
// plain number from 1 is no version.
func versionOf(r *http.Request) (int, error) {
	n, err := respond.PathInt(r, "n")
	if err != nil || n < 1 || n > maxVersion {
		return 0, atrium.Errorf(atrium.NotFound, "version %q not found", atrium.Truncate(r.PathValue("n"), 20))
	}
	return int(n), nil
}

// maxVersion is more versions than one asset will ever have, and small
// enough for every integer column.
const maxVersion = 1<<31 - 1

// humanBytes writes a size for people: 1.5 MB, 820 B.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// formatFloat writes a statistic with up to four significant decimals.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}
