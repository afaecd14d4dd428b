package store

// The registry as the canvas's evidence panels show it, read through a
// UseCaseView so every panel of a page sees one snapshot:
//
//	(*UseCaseView).Registry() (*RegistryOverview, error)
//	    the use case's versions (newest first per asset, at most
//	    maxOverviewVersions), dataset sensitivity with unconfirmed
//	    proposals, aliases with their last move, and the evaluation
//	    objectives per model and prompt version. Read once per view.

import (
	"encoding/json"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// maxOverviewVersions bounds the versions one overview holds.
const maxOverviewVersions = 300

// RegistryOverview is a summary of a use case's registry.
type RegistryOverview struct {
	// Versions of every kind, by kind, asset name and newest first.
	Versions []OverviewVersion `json:"versions"`
	Aliases  []OverviewAlias   `json:"aliases"`
	// Objectives are the model and prompt versions against the
	// evaluation objectives (see registry.CheckObjectives).
	Objectives []registry.VersionObjectives `json:"objectives"`
	// Truncated is set when the use case has more versions than shown.
	Truncated bool `json:"truncated,omitempty"`
}

// OverviewVersion is one version with its asset and, for a dataset, its
// current sensitivity (with the profile's unconfirmed proposals).
type OverviewVersion struct {
	Asset       registry.Ref                `json:"asset"`
	Version     registry.Version            `json:"version"`
	Sensitivity *registry.SensitivityRecord `json:"sensitivity,omitempty"`
}

// OverviewAlias is an alias with how often it moved and its last move.
type OverviewAlias struct {
	Asset    registry.Ref       `json:"asset"`
	Alias    registry.Alias     `json:"alias"`
	Moves    int                `json:"moves"`
	LastMove registry.AliasMove `json:"last_move"`
}

// Registry returns the use case's registry overview, read once per view.
func (v *UseCaseView) Registry() (*RegistryOverview, error) {
	if v.registry != nil {
		return v.registry, nil
	}
	o, err := registryOverview(v.tx, v.uc)
	if err != nil {
		return nil, v.tx.db.classify(err)
	}
	v.registry = o
	return o, nil
}

func registryOverview(q querier, u usecase.UseCase) (*RegistryOverview, error) {
	o := &RegistryOverview{Versions: []OverviewVersion{}, Aliases: []OverviewAlias{}}
	refs := map[string]registry.Ref{}
	err := each(q, func(sc scanner) error {
		var id string
		var r registry.Ref
		if err := sc.Scan(&id, &r.Kind, &r.Name); err != nil {
			return err
		}
		refs[id] = r
		return nil
	}, `SELECT id, kind, name FROM registry_assets WHERE usecase_id = $1`, u.ID)
	if err != nil {
		return nil, err
	}
	versions, err := collect(q, scanVersion, `SELECT `+versionCols+` FROM registry_versions v JOIN registry_assets a ON a.id = v.asset_id
		WHERE a.usecase_id = $1 ORDER BY a.kind, a.name, v.number DESC LIMIT $2`, u.ID, maxOverviewVersions+1)
	if err != nil {
		return nil, err
	}
	if len(versions) > maxOverviewVersions {
		versions, o.Truncated = versions[:maxOverviewVersions], true
	}
	type key struct {
		asset string
		n     int
	}
	sens := map[key]registry.SensitivityRecord{}
	err = each(q, func(sc scanner) error {
		var k key
		var r registry.SensitivityRecord
		var s string
		if err := sc.Scan(&k.asset, &k.n, &s, &r.Revision, &r.ChangedBy, ts{&r.ChangedAt}); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(s), &r.Sensitivity); err != nil {
			return fmt.Errorf("stored sensitivity: %w", err)
		}
		r.Version = k.n
		sens[k] = r
		return nil
	}, `SELECT s.asset_id, s.version, s.sensitivity, s.revision, s.changed_by, s.changed_at FROM registry_sensitivity s
		JOIN registry_assets a ON a.id = s.asset_id WHERE a.usecase_id = $1`, u.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		ov := OverviewVersion{Asset: refs[v.AssetID], Version: v}
		if ov.Asset.Kind == registry.Dataset {
			r, ok := sens[key{v.AssetID, v.Number}]
			if !ok {
				r = registry.SensitivityRecord{Version: v.Number}
			}
			if v.Dataset != nil {
				r.Proposals = registry.Proposals(v.Dataset.Profile, r.Sensitivity)
			}
			ov.Sensitivity = &r
		}
		o.Versions = append(o.Versions, ov)
	}
	err = each(q, func(sc scanner) error {
		var id string
		var al OverviewAlias
		var from, to *int64
		if err := sc.Scan(&id, &al.Alias.Name, &al.Alias.Version, &al.Alias.MovedBy, ts{&al.Alias.MovedAt}, &al.Alias.Reason, &al.Moves,
			&from, &to, &al.LastMove.MovedBy, ts{&al.LastMove.MovedAt}, &al.LastMove.Reason); err != nil {
			return err
		}
		al.Asset, al.LastMove.Alias = refs[id], al.Alias.Name
		if from != nil {
			al.LastMove.From = int(*from)
		}
		if to != nil {
			al.LastMove.To = int(*to)
		}
		o.Aliases = append(o.Aliases, al)
		return nil
	}, `SELECT al.asset_id, al.alias, al.version, al.moved_by, al.moved_at, al.reason,
			(SELECT COUNT(*) FROM registry_alias_history c WHERE c.asset_id = al.asset_id AND c.alias = al.alias),
			h.from_version, h.to_version, h.moved_by, h.moved_at, h.reason
		FROM registry_aliases al JOIN registry_assets a ON a.id = al.asset_id
		JOIN registry_alias_history h ON h.id = (SELECT MAX(x.id) FROM registry_alias_history x WHERE x.asset_id = al.asset_id AND x.alias = al.alias)
		WHERE a.usecase_id = $1 ORDER BY a.kind, a.name, al.alias`, u.ID)
	if err != nil {
		return nil, err
	}
	if o.Objectives, err = objectiveStatus(q, u); err != nil {
		return nil, err
	}
	return o, nil
}
