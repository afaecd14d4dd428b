package registry

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/chart"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// runsData is a use case's experiment tracking: its experiments and one
// page of runs, newest first, of one experiment or all.
type runsData struct {
	render.Frame
	UseCase     render.UseCaseRef
	Experiments []domain.Experiment
	Experiment  string // the experiment shown, "" for all
	Runs        []RunView
	Names       map[string]string // experiment names by id
	Pager       render.Pager
}

// PageRuns serves GET /usecases/{slug}/runs.
func (h *Handlers) PageRuns(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	exps, err := h.DB.ListExperiments(r.Context(), u.Slug, store.ExperimentFilter{Page: atrium.PageRequest{Size: atrium.MaxPageSize}})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d := runsData{Frame: h.Frame(r, "Runs · "+u.Name, "usecases"), UseCase: render.RefOf(u), Experiments: exps.Items,
		Experiment: r.URL.Query().Get("experiment"), Names: map[string]string{}}
	for _, e := range exps.Items {
		d.Names[e.ID] = e.Name
	}
	page, err := h.runs(r, d.Experiment, p)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d.Runs = page.Items
	d.Pager = render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)
	h.Render(w, r, http.StatusOK, "runs", d)
}

// runData is one run's page: what went in, what came out, and a line chart
// of every metric over its steps.
type runData struct {
	render.Frame
	UseCase    render.UseCaseRef
	Run        RunView
	Experiment string
	Params     []tag
	Tags       []tag
	Charts     []metricChart
	Started    time.Time
	Ended      time.Time
}

// metricChart is one metric's history, drawn, with the number of values.
type metricChart struct {
	Key    string
	Chart  template.HTML
	Values int
	Cut    bool // more values were logged than the chart reads
}

// Bounds on what a run's page reads.
const (
	chartedMetrics = 12
	chartedValues  = atrium.MaxPageSize
)

// PageRun serves GET /usecases/{slug}/runs/{id}.
func (h *Handlers) PageRun(w http.ResponseWriter, r *http.Request) {
	ctx, slug := r.Context(), r.PathValue("slug")
	u, err := h.DB.GetUseCase(ctx, slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	run, err := h.DB.GetRun(ctx, slug, r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d := runData{Frame: h.Frame(r, "Run "+cmpName(run)+" · "+u.Name, "usecases"), UseCase: render.RefOf(u), Run: runView(run),
		Params: sortedTags(run.Params), Tags: sortedTags(run.Tags), Started: time.UnixMilli(run.StartTime).UTC()}
	if run.EndTime != nil {
		d.Ended = time.UnixMilli(*run.EndTime).UTC()
	}
	if e, err := h.DB.GetExperiment(ctx, slug, run.ExperimentID, ""); err == nil {
		d.Experiment = e.Name
	}
	keys := []string{}
	for _, m := range run.Metrics {
		keys = append(keys, m.Key)
	}
	slices.Sort(keys)
	for _, key := range slices.Compact(keys) {
		if len(d.Charts) == chartedMetrics {
			break
		}
		hist, err := h.DB.MetricHistory(ctx, slug, run.ID, key, atrium.PageRequest{Size: chartedValues})
		if err != nil {
			h.Fail(w, r, err)
			return
		}
		d.Charts = append(d.Charts, metricChartOf(key, hist))
	}
	h.Render(w, r, http.StatusOK, "run", d)
}

func cmpName(r domain.Run) string {
	if r.Name != "" {
		return r.Name
	}
	return atrium.Truncate(r.ID, 12)
}

func metricChartOf(key string, hist atrium.Page[domain.Metric]) metricChart {
	pts := make([]chart.Point, 0, len(hist.Items))
	for _, m := range hist.Items {
		pts = append(pts, chart.Point{X: float64(m.Step), Y: m.Value})
	}
	c := metricChart{Key: key, Values: hist.Total, Cut: hist.NextPageToken != ""}
	c.Chart, _ = chart.Inline(chart.LineChart{Title: key + " by step", XLabel: "step", YLabel: key,
		Desc:   "The values of " + key + " logged at each step (" + strconv.Itoa(len(pts)) + " points); the table of latest values has the last one.",
		Series: []chart.Series{{Name: key, Points: pts}}})
	return c
}
