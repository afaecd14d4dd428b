package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// The demo registry: loan applications as two dataset versions (a training
// set and a later reference set), two versions of a credit scorer trained on
// the first and evaluated on the second, and a prompt that explains a score.
// Nothing is made up: the tables are generated (from a fixed seed), their
// profiles and digests are computed from the generated rows, the models are
// logistic regressions fitted to the training rows, and their evaluations
// are computed on the reference rows.

const (
	demoDataset = "loan-applications"
	demoModel   = "credit-scorer"
	demoPrompt  = "score-explanation"
	// demoSegment is the slice the second demo objective names.
	demoSegment = "applicant=first-time"
)

// demoRegistry is what seedRegistry registered, for whoever adds to it.
type demoRegistry struct {
	Datasets []registry.Version // loan-applications v1 (training), v2 (reference)
	Models   []registry.Version // credit-scorer v1, v2
	Prompt   registry.Version
}

// seedRegistry registers the demo's datasets, models, evaluations, alias and
// prompt in the use case slug. Runs are not part of it: a model version
// names the run that produced it in ModelInfo.RunID, and the demo's runs are
// logged by the experiment-tracking seed, which passes their ids here.
func seedRegistry(ctx context.Context, db *store.DB, slug string, runIDs ...string) (*demoRegistry, error) {
	out := &demoRegistry{}
	for _, a := range []registry.Asset{
		{Kind: registry.Dataset, Name: demoDataset, Description: "Retail loan applications with the repayment outcome twelve months later.",
			Tags: map[string]string{"domain": "lending"}},
		{Kind: registry.Model, Name: demoModel, Description: "Probability that an applicant defaults within twelve months.",
			Tags: map[string]string{"domain": "lending"}},
		{Kind: registry.Prompt, Name: demoPrompt, Description: "Explains a score and its main factors to a loan officer, in plain words."},
	} {
		if _, err := db.CreateAsset(ctx, slug, a); err != nil {
			return nil, fmt.Errorf("demo asset %s: %w", a.Name, err)
		}
	}

	training := generateLoans(8000, 1, 1.0)
	reference := generateLoans(6000, 2, 1.06) // a later period: incomes have grown a little
	dataRef := registry.Ref{Kind: registry.Dataset, Name: demoDataset}
	legal := "Contract: assessing the application the applicant made (Art. 6(1)(b) GDPR)."
	for i, d := range []struct {
		rows        []loanRow
		role        registry.DatasetRole
		desc        string
		sensitivity registry.Sensitivity
	}{
		{training, registry.Training, "Applications from 2021 to 2024 with their outcome; the set the scorer is fitted on.", registry.Sensitivity{
			Columns: map[string]registry.Classification{
				"applicant_email": registry.DirectIdentifier, "phone": registry.DirectIdentifier,
				"birth_year": registry.QuasiIdentifier, "postcode": registry.QuasiIdentifier, "annual_income": registry.NotPersonal,
			},
			LegalBasis: legal, Consent: "No consent is relied on; the privacy notice tells applicants that applications are scored.",
			Retention: "10 years after the loan ends",
		}},
		{reference, registry.Reference, "Applications from the first half of 2025, held back and frozen: the reference for evaluations and later drift checks.", registry.Sensitivity{
			// Registered with only part of it confirmed; the profile's
			// suggestions for the rest wait for the data protection officer.
			Columns:    map[string]registry.Classification{"applicant_email": registry.DirectIdentifier, "postcode": registry.QuasiIdentifier},
			LegalBasis: legal, Retention: "10 years after the loan ends",
		}},
	} {
		body := loansCSV(d.rows)
		sum := sha256.Sum256(body)
		s := d.sensitivity
		v, err := db.CreateVersion(ctx, slug, dataRef, registry.Version{
			URI:    fmt.Sprintf("s3://credit-risk-demo/%s/v%d/applications.csv", demoDataset, i+1),
			Digest: hex.EncodeToString(sum[:]), Size: int64(len(body)), Description: d.desc,
			Dataset: &registry.DatasetInfo{Role: d.role, Schema: loanSchema, Profile: profileLoans(d.rows, int64(len(body))),
				Source: "Loan origination system, monthly export", Owner: "Credit Risk Analytics", Sensitivity: &s},
		})
		if err != nil {
			return nil, fmt.Errorf("demo dataset v%d: %w", i+1, err)
		}
		out.Datasets = append(out.Datasets, v)
	}

	modelRef := registry.Ref{Kind: registry.Model, Name: demoModel}
	exp, err := db.CreateExperiment(ctx, slug, registry.Experiment{Name: demoModel + "-training",
		Tags: map[string]string{"team": "Credit Risk Analytics"}}, "s3://credit-risk-demo/mlruns")
	if err != nil {
		return nil, fmt.Errorf("demo experiment: %w", err)
	}
	for i, spec := range []struct {
		features []string
		notes    string
	}{
		{[]string{"debt_to_income"}, "Baseline: one feature, the loan amount against the annual income."},
		{[]string{"debt_to_income", "unemployed", "self_employed", "first_time_borrower", "age", "term_months"},
			"Adds employment, borrowing history, age and term to the baseline's feature."},
	} {
		m, runID, err := demoTrainingRun(ctx, db, slug, exp.ID, i+1, training, reference, spec.features)
		if err != nil {
			return nil, err
		}
		if i < len(runIDs) {
			runID = runIDs[i]
		}
		body, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		params := map[string]string{"features": strings.Join(spec.features, ","), "iterations": "400", "learning_rate": "0.5"}
		info := &registry.ModelInfo{Framework: "logistic regression", Task: "binary classification", Parameters: params,
			Signature:      &registry.Signature{Inputs: loanSchema[2:9], Outputs: []registry.Column{{Name: "default_probability", Type: registry.Number}}},
			TrainingData:   []registry.VersionRef{{Name: demoDataset, Version: 1}},
			EvaluationData: []registry.VersionRef{{Name: demoDataset, Version: 2}},
			RunID:          runID,
			ReleaseNotes:   spec.notes}
		v, err := db.CreateVersion(ctx, slug, modelRef, registry.Version{
			URI:    fmt.Sprintf("s3://credit-risk-demo/models/%s/%d/model.json", demoModel, i+1),
			Digest: hex.EncodeToString(sum[:]), Size: int64(len(body)), Metadata: body, Model: info,
		})
		if err != nil {
			return nil, fmt.Errorf("demo model v%d: %w", i+1, err)
		}
		out.Models = append(out.Models, v)
		for _, e := range evaluateLogistic(m, reference) {
			if _, err := db.AddEvaluation(ctx, slug, modelRef, v.Number, e); err != nil {
				return nil, fmt.Errorf("demo evaluation of v%d: %w", v.Number, err)
			}
		}
	}
	for _, move := range []struct {
		version int
		reason  string
	}{
		{1, "First candidate for the pilot branches, to compare against the manual checks."},
		{2, "Meets both AUC objectives on the frozen reference set; version 1 meets neither."},
	} {
		if _, err := db.SetAlias(ctx, slug, modelRef, "champion", move.version, move.reason); err != nil {
			return nil, fmt.Errorf("demo alias: %w", err)
		}
	}

	template := "You explain a credit score to a loan officer, who decides.\n\n" +
		"Applicant: {{ applicant_summary }}\nEstimated probability of default: {{ probability }}\nMain factors: {{ factors }}\n\n" +
		"In three short sentences and plain words, say what drives the score and what the officer could check in the file. " +
		"Do not recommend approving or refusing."
	sum := sha256.Sum256([]byte(template))
	p, err := db.CreateVersion(ctx, slug, registry.Ref{Kind: registry.Prompt, Name: demoPrompt}, registry.Version{
		URI:    "s3://credit-risk-demo/prompts/" + demoPrompt + "/1.txt",
		Digest: hex.EncodeToString(sum[:]), Size: int64(len(template)),
		Prompt: &registry.PromptInfo{Template: template, Form: registry.Text, ModelConfig: json.RawMessage(`{"temperature": 0.2, "max_tokens": 300}`)},
	})
	if err != nil {
		return nil, fmt.Errorf("demo prompt: %w", err)
	}
	out.Prompt = p
	return out, nil
}

// demoTrainingRun fits a scorer on the training rows inside a tracked run:
// its parameters, the training log loss every 20 iterations and the AUC on
// the reference rows are logged as they are computed, and the run ends
// FINISHED. It returns the model and the run's id.
func demoTrainingRun(ctx context.Context, db *store.DB, slug, experiment string, n int, training, reference []loanRow, features []string) (logisticModel, string, error) {
	const iterations, rate = 400, 0.5
	run, err := db.CreateRun(ctx, slug, store.NewRun{ExperimentID: experiment, Name: fmt.Sprintf("%s-v%d", demoModel, n),
		User: "maria", Tags: []registry.Tag{{Key: "mlflow.source.name", Value: "train_scorer.py"}}}, "")
	if err != nil {
		return logisticModel{}, "", fmt.Errorf("demo run %d: %w", n, err)
	}
	now := time.Now().UnixMilli()
	var metrics []registry.Metric
	m := fitLogistic(training, features, iterations, rate, 20, func(step int, loss float64) {
		metrics = append(metrics, registry.Metric{Key: "training_log_loss", Value: loss, Step: int64(step), Timestamp: now})
	})
	scores, labels := make([]float64, len(reference)), make([]bool, len(reference))
	for i, r := range reference {
		scores[i], labels[i] = m.predict(r), r.defaulted
	}
	metrics = append(metrics, registry.Metric{Key: "reference_auc", Value: auc(scores, labels), Step: iterations, Timestamp: now})
	batch := registry.Batch{Metrics: metrics, Params: []registry.Param{
		{Key: "features", Value: strings.Join(features, ",")}, {Key: "iterations", Value: fmt.Sprint(iterations)},
		{Key: "learning_rate", Value: fmt.Sprint(rate)}, {Key: "training_rows", Value: fmt.Sprint(len(training))},
	}}
	if err := db.LogBatch(ctx, slug, run.ID, batch); err != nil {
		return logisticModel{}, "", fmt.Errorf("demo run %d: %w", n, err)
	}
	end := time.Now().UnixMilli()
	if _, err := db.UpdateRun(ctx, slug, run.ID, store.RunChange{Status: registry.RunFinished, EndTime: &end}); err != nil {
		return logisticModel{}, "", fmt.Errorf("demo run %d: %w", n, err)
	}
	return m, run.ID, nil
}

// loanRow is one generated loan application.
type loanRow struct {
	email, phone, postcode, employment string
	birthYear, term                    int
	firstTime, defaulted               bool
	income, amount                     float64
}

var loanSchema = []registry.Column{
	{Name: "applicant_email", Type: registry.String},
	{Name: "phone", Type: registry.String, Nullable: true},
	{Name: "birth_year", Type: registry.Integer},
	{Name: "postcode", Type: registry.Categorical},
	{Name: "employment", Type: registry.Categorical},
	{Name: "first_time_borrower", Type: registry.Boolean},
	{Name: "annual_income", Type: registry.Number},
	{Name: "loan_amount", Type: registry.Number},
	{Name: "term_months", Type: registry.Integer},
	{Name: "defaulted", Type: registry.Boolean},
}

// generateLoans draws n applications from a fixed seed. Whether an
// applicant defaults is drawn from a logistic model of their debt against
// income, employment, borrowing history, age and term, so a scorer that
// sees more of these can do better than one that sees less.
func generateLoans(n int, seed uint64, incomeGrowth float64) []loanRow {
	r := rand.New(rand.NewPCG(seed, 0x10a45))
	postcodes := make([]string, 40)
	for i := range postcodes {
		postcodes[i] = fmt.Sprintf("%05d", 20095+i*37)
	}
	rows := make([]loanRow, n)
	for i := range rows {
		row := &rows[i]
		row.email = fmt.Sprintf("applicant%06d@mail.example", int(seed)*100_000+i)
		if r.Float64() < 0.7 {
			row.phone = fmt.Sprintf("+49 40 %07d", r.IntN(10_000_000))
		}
		row.birthYear = 1958 + r.IntN(48)
		age := 2025 - row.birthYear
		row.postcode = postcodes[r.IntN(len(postcodes))]
		switch u := r.Float64(); {
		case age >= 63:
			row.employment = "retired"
		case u < 0.07:
			row.employment = "unemployed"
		case u < 0.25:
			row.employment = "self-employed"
		default:
			row.employment = "employed"
		}
		row.firstTime = r.Float64() < map[bool]float64{true: 0.4, false: 0.15}[age < 30]
		income := math.Exp(10.5 + 0.4*r.NormFloat64())
		if row.employment == "unemployed" {
			income *= 0.45
		}
		row.income = math.Round(income*incomeGrowth/100) * 100
		row.amount = float64(1000 + 100*r.IntN(491))
		row.term = []int{12, 24, 36, 48, 60}[r.IntN(5)]
		logit := -3.7 + 1.3*row.amount/row.income + 0.03*float64(row.term-36)/12 - 0.035*float64(age-40)
		switch row.employment {
		case "unemployed":
			logit += 1.9
		case "self-employed":
			logit += 0.9
		}
		if row.firstTime {
			logit += 1.2
		}
		row.defaulted = r.Float64() < 1/(1+math.Exp(-logit))
	}
	return rows
}

// loansCSV is the table as the CSV file the version's digest and size are of.
func loansCSV(rows []loanRow) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(loanSchema))
	for i, c := range loanSchema {
		header[i] = c.Name
	}
	w.Write(header)
	for _, r := range rows {
		w.Write([]string{r.email, r.phone, strconv.Itoa(r.birthYear), r.postcode, r.employment, strconv.FormatBool(r.firstTime),
			strconv.FormatFloat(r.income, 'f', 0, 64), strconv.FormatFloat(r.amount, 'f', 0, 64), strconv.Itoa(r.term), strconv.FormatBool(r.defaulted)})
	}
	w.Flush()
	return b.Bytes()
}

// loanColumn returns column c of row r as text, "" for a null.
func loanColumn(r loanRow, c string) string {
	switch c {
	case "applicant_email":
		return r.email
	case "phone":
		return r.phone
	case "birth_year":
		return strconv.Itoa(r.birthYear)
	case "postcode":
		return r.postcode
	case "employment":
		return r.employment
	case "first_time_borrower":
		return strconv.FormatBool(r.firstTime)
	case "annual_income":
		return strconv.FormatFloat(r.income, 'f', 0, 64)
	case "loan_amount":
		return strconv.FormatFloat(r.amount, 'f', 0, 64)
	case "term_months":
		return strconv.Itoa(r.term)
	case "defaulted":
		return strconv.FormatBool(r.defaulted)
	}
	return ""
}

var (
	demoEmailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-z]+$`)
	demoPhoneRE = regexp.MustCompile(`^\+[0-9][0-9 ]{7,}$`)
)

// profileLoans computes the table's profile exactly (the table is small):
// counts, distinct values, numeric statistics, quartiles, a ten-bin
// histogram, the most frequent values, and a suggested classification where
// every value looks like an e-mail address or a phone number, or the name
// says birth.
func profileLoans(rows []loanRow, size int64) *registry.Profile {
	p := &registry.Profile{Rows: int64(len(rows)), Bytes: size, Format: "csv", Columns: []registry.ColumnProfile{}}
	for _, col := range loanSchema {
		cp := registry.ColumnProfile{Name: col.Name, Type: col.Type}
		counts := map[string]int64{}
		var nums []float64
		allEmail, allPhone := true, true
		for _, r := range rows {
			v := loanColumn(r, col.Name)
			if v == "" {
				cp.Nulls++
				continue
			}
			cp.Count++
			counts[v]++
			allEmail = allEmail && demoEmailRE.MatchString(v)
			allPhone = allPhone && demoPhoneRE.MatchString(v)
			if col.Type.Numeric() {
				f, _ := strconv.ParseFloat(v, 64)
				nums = append(nums, f)
			}
		}
		cp.Distinct = int64(len(counts))
		if len(nums) > 0 {
			numericProfile(&cp, nums)
		} else {
			cp.Top = topValues(counts, 5)
		}
		switch {
		case cp.Count > 0 && allEmail:
			cp.Suggested = &registry.Suggestion{Classification: registry.DirectIdentifier, Reason: "every value looks like an e-mail address", Detector: "email"}
		case cp.Count > 0 && allPhone:
			cp.Suggested = &registry.Suggestion{Classification: registry.DirectIdentifier, Reason: "every value looks like a phone number", Detector: "phone"}
		case strings.Contains(col.Name, "birth"):
			cp.Suggested = &registry.Suggestion{Classification: registry.QuasiIdentifier, Reason: "the column name says it holds birth dates or years", Detector: "birth-date"}
		}
		p.Columns = append(p.Columns, cp)
	}
	return p
}

func numericProfile(cp *registry.ColumnProfile, nums []float64) {
	slices.Sort(nums)
	n := float64(len(nums))
	var sum float64
	for _, f := range nums {
		sum += f
	}
	mean := sum / n
	var sq float64
	for _, f := range nums {
		sq += (f - mean) * (f - mean)
	}
	std := 0.0
	if len(nums) > 1 {
		std = math.Sqrt(sq / (n - 1))
	}
	lo, hi := nums[0], nums[len(nums)-1]
	cp.Min, cp.Max, cp.Mean, cp.Std = &lo, &hi, &mean, &std
	for _, q := range []float64{0, 0.25, 0.5, 0.75, 1} {
		// Linear interpolation between the closest ranks.
		pos := q * (n - 1)
		i := int(pos)
		v := nums[i]
		if i+1 < len(nums) {
			v += (pos - float64(i)) * (nums[i+1] - nums[i])
		}
		cp.Quantiles = append(cp.Quantiles, registry.Quantile{Q: q, Value: v})
	}
	const bins = 10
	width := (hi - lo) / bins
	for b := range bins {
		cp.Histogram = append(cp.Histogram, registry.Bin{Low: lo + float64(b)*width, High: lo + float64(b+1)*width})
	}
	cp.Histogram[bins-1].High = hi
	for _, f := range nums {
		b := bins - 1
		if width > 0 {
			b = min(int((f-lo)/width), bins-1)
		}
		cp.Histogram[b].Count++
	}
}

func topValues(counts map[string]int64, k int) []registry.TopValue {
	out := make([]registry.TopValue, 0, len(counts))
	for v, c := range counts {
		out = append(out, registry.TopValue{Value: v, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out[:min(k, len(out))]
}

// logisticModel is a fitted logistic regression over standardised features.
type logisticModel struct {
	Features  []string  `json:"features"`
	Means     []float64 `json:"means"`
	Scales    []float64 `json:"scales"`
	Weights   []float64 `json:"weights"`
	Intercept float64   `json:"intercept"`
}

func loanFeature(r loanRow, f string) float64 {
	b := func(x bool) float64 {
		if x {
			return 1
		}
		return 0
	}
	switch f {
	case "debt_to_income":
		return r.amount / r.income
	case "unemployed":
		return b(r.employment == "unemployed")
	case "self_employed":
		return b(r.employment == "self-employed")
	case "first_time_borrower":
		return b(r.firstTime)
	case "age":
		return float64(2025 - r.birthYear)
	case "term_months":
		return float64(r.term)
	}
	return 0
}

// fitLogistic fits a logistic regression to rows by batch gradient descent
// on the log loss. When logLoss is set, it is told the training log loss
// before every `every`-th step (steps 0, every, 2·every, …): the loss curve
// the demo's runs log.
func fitLogistic(rows []loanRow, features []string, iterations int, rate float64, every int, logLoss func(step int, loss float64)) logisticModel {
	k, n := len(features), float64(len(rows))
	m := logisticModel{Features: features, Means: make([]float64, k), Scales: make([]float64, k), Weights: make([]float64, k)}
	x := make([][]float64, len(rows))
	for i, r := range rows {
		x[i] = make([]float64, k)
		for j, f := range features {
			x[i][j] = loanFeature(r, f)
			m.Means[j] += x[i][j] / n
		}
	}
	for j := range features {
		var sq float64
		for i := range x {
			sq += (x[i][j] - m.Means[j]) * (x[i][j] - m.Means[j])
		}
		m.Scales[j] = math.Max(math.Sqrt(sq/n), 1e-9)
		for i := range x {
			x[i][j] = (x[i][j] - m.Means[j]) / m.Scales[j]
		}
	}
	grad := make([]float64, k)
	for it := range iterations {
		clear(grad)
		var g0, loss float64
		for i, r := range rows {
			z := m.Intercept
			for j := range features {
				z += m.Weights[j] * x[i][j]
			}
			y := 0.0
			if r.defaulted {
				y = 1
			}
			p := 1 / (1 + math.Exp(-z))
			d := p - y
			if logLoss != nil {
				p = math.Min(math.Max(p, 1e-12), 1-1e-12)
				loss -= y*math.Log(p) + (1-y)*math.Log(1-p)
			}
			g0 += d
			for j := range features {
				grad[j] += d * x[i][j]
			}
		}
		if logLoss != nil && (it%every == 0) {
			logLoss(it, loss/n) // the loss of the weights before this step
		}
		m.Intercept -= rate * g0 / n
		for j := range features {
			m.Weights[j] -= rate * grad[j] / n
		}
	}
	return m
}

func (m logisticModel) predict(r loanRow) float64 {
	z := m.Intercept
	for j, f := range m.Features {
		z += m.Weights[j] * (loanFeature(r, f) - m.Means[j]) / m.Scales[j]
	}
	return 1 / (1 + math.Exp(-z))
}

// auc is the area under the ROC curve: the chance that a random defaulter
// scores above a random non-defaulter, ties counting half (from ranks).
func auc(scores []float64, labels []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum, pos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		rank := float64(i+j+1) / 2 // average of ranks i+1..j
		for _, k := range idx[i:j] {
			if labels[k] {
				rankSum += rank
				pos++
			}
		}
		i = j
	}
	neg := float64(len(scores)) - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// evaluateLogistic scores the reference rows with m: AUC and Brier score on
// all of them, and AUC on first-time borrowers.
func evaluateLogistic(m logisticModel, rows []loanRow) []registry.Evaluation {
	var all, seg []float64
	var allY, segY []bool
	var brier float64
	for _, r := range rows {
		p := m.predict(r)
		all, allY = append(all, p), append(allY, r.defaulted)
		y := 0.0
		if r.defaulted {
			y = 1
		}
		brier += (p - y) * (p - y)
		if r.firstTime {
			seg, segY = append(seg, p), append(segY, r.defaulted)
		}
	}
	ds := registry.VersionRef{Name: demoDataset, Version: 2}
	round := func(f float64) float64 { return math.Round(f*10000) / 10000 }
	return []registry.Evaluation{
		{Dataset: ds, Metric: "AUC", Value: round(auc(all, allY)), Samples: int64(len(all)), Note: "All applications of the reference set."},
		{Dataset: ds, Metric: "AUC", Value: round(auc(seg, segY)), Slice: demoSegment, Samples: int64(len(seg)), Note: "First-time borrowers only."},
		{Dataset: ds, Metric: "Brier score", Value: round(brier / float64(len(rows))), Samples: int64(len(rows)), Note: "Mean squared error of the predicted probability."},
	}
}
