package evidence

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestRegistry(t *testing.T) {
	reg := NewRegistry[string]()
	reg.Register("b", ProviderFunc[string](func(_ context.Context, req string) (Panel, error) {
		return Panel{Title: "B of " + req}, nil
	}))
	reg.Register("a", ProviderFunc[string](func(context.Context, string) (Panel, error) {
		return Panel{Title: "A", Kind: "ignored"}, nil
	}))
	if got := reg.Kinds(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Kinds() = %v, want [a b]", got)
	}
	panels, err := reg.Panels(context.Background(), []string{"b", "later", "a"}, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []Panel{{Kind: "b", Title: "B of x"}, {Kind: "a", Title: "A"}}
	if !reflect.DeepEqual(panels, want) {
		t.Errorf("Panels = %+v, want %+v (in the order asked, unknown kinds skipped, Kind set by the registry)", panels, want)
	}
}

func TestRegistryErrors(t *testing.T) {
	reg := NewRegistry[string]()
	boom := errors.New("boom")
	reg.Register("broken", ProviderFunc[string](func(context.Context, string) (Panel, error) { return Panel{}, boom }))
	if _, err := reg.Panels(context.Background(), []string{"broken"}, ""); !errors.Is(err, boom) || err.Error() != "evidence broken: boom" {
		t.Errorf("Panels err = %v, want evidence broken: boom", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a kind twice did not panic")
		}
	}()
	reg.Register("broken", ProviderFunc[string](func(context.Context, string) (Panel, error) { return Panel{}, nil }))
}
