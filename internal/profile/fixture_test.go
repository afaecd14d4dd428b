package profile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// The reference data set: generated here from a fixed seed, written as CSV
// and JSON Lines, and profiled independently by testdata/reference.py
// (Python's csv and json modules with numpy) into testdata/reference.json.
// To regenerate after changing the generator:
//
//	go test ./internal/profile -run TestFixtureFiles -write-fixtures /tmp/fx
//	/usr/bin/python3 internal/profile/testdata/reference.py /tmp/fx > internal/profile/testdata/reference.json
var writeFixtures = flag.String("write-fixtures", "", "write the reference data set's files to this folder")

const fixtureRows = 20000

type fixtureRow struct {
	ID        int64
	Age       *int64
	AgeNA     bool // written as "NA" rather than empty in CSV
	Income    *float64
	Score     float64
	Active    bool
	Country   string
	Email     string // "" is missing
	Signup    time.Time
	DateOnly  bool
	Note      string
	Phone     string
	Card      string
	BirthDate string
	City      string
}

var countries = []string{"NL", "DE", "FR", "GB", "US", "ES", "IT", "BE", "SE", "PL", "PT", "IE"}
var countryWeights = []int{30, 20, 12, 10, 8, 6, 5, 3, 2, 2, 1, 1}

func luhnComplete(prefix string, rng *rand.Rand, length int) string {
	b := []byte(prefix)
	for len(b) < length-1 {
		b = append(b, byte('0'+rng.IntN(10)))
	}
	sum := 0
	for i := 0; i < len(b); i++ { // positions from the right, check digit to come at 0
		v := int(b[len(b)-1-i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return string(append(b, byte('0'+(10-sum%10)%10)))
}

func fixtureData() []fixtureRow {
	rng := rand.New(rand.NewPCG(13, 2026))
	totalW := 0
	for _, w := range countryWeights {
		totalW += w
	}
	notes := []string{"plain", "has, a comma", `says "hi"`, "two\nlines", "  padded  ", "ünïcödé ✓"}
	cities := []string{"Amsterdam", "Berlin", "Paris", "London", "Utrecht"}
	rows := make([]fixtureRow, fixtureRows)
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i + 1)
		switch x := rng.IntN(100); {
		case x < 3:
		case x < 5:
			r.AgeNA = true
		default:
			a := int64(18 + rng.IntN(78))
			r.Age = &a
		}
		if rng.IntN(100) >= 5 {
			v := math.Round(math.Exp(10+0.8*rng.NormFloat64())*100) / 100
			r.Income = &v
		}
		r.Score = 50 + 15*rng.NormFloat64()
		r.Active = rng.IntN(3) != 0
		w := rng.IntN(totalW)
		for k, cw := range countryWeights {
			if w < cw {
				r.Country = countries[k]
				break
			}
			w -= cw
		}
		if rng.IntN(50) != 0 {
			r.Email = fmt.Sprintf("user%d@example%d.com", rng.IntN(15000), rng.IntN(3))
		}
		r.Signup = base.Add(time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		if rng.IntN(10) == 0 {
			r.Signup = r.Signup.Truncate(24 * time.Hour)
			r.DateOnly = true
		}
		r.Note = notes[rng.IntN(len(notes))]
		if rng.IntN(10) == 0 {
			r.Note = fmt.Sprintf("note %d", rng.IntN(1000))
		}
		r.Phone = fmt.Sprintf("+31 6 %04d %04d", rng.IntN(10000), rng.IntN(10000))
		r.Card = luhnComplete("4", rng, 16)
		if rng.IntN(40) == 0 { // a few mistyped numbers, still a card column
			r.Card = r.Card[:15] + string(rune('0'+(int(r.Card[15]-'0')+1)%10))
		}
		r.BirthDate = time.Date(1940+rng.IntN(65), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		r.City = cities[rng.IntN(len(cities))]
	}
	return rows
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func csvQuote(s string) string {
	if bytes.ContainsAny([]byte(s), ",\"\n\r") || s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return `"` + string(bytes.ReplaceAll([]byte(s), []byte(`"`), []byte(`""`))) + `"`
	}
	return s
}

func writeFixtureCSV(w io.Writer, rows []fixtureRow) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "id,age,income,score,active,country,email,signup,note,phone,instrument,birth_date")
	for i, r := range rows {
		age := ""
		if r.Age != nil {
			age = strconv.FormatInt(*r.Age, 10)
		} else if r.AgeNA {
			age = "NA"
		}
		income := ""
		if r.Income != nil {
			income = fmtFloat(*r.Income)
		}
		score := fmtFloat(r.Score)
		if i%97 == 0 {
			score = strconv.FormatFloat(r.Score, 'e', -1, 64)
		}
		signup := r.Signup.Format(time.RFC3339)
		if r.DateOnly {
			signup = r.Signup.Format(time.DateOnly)
		}
		eol := "\n"
		if i%5 == 0 {
			eol = "\r\n"
		}
		fmt.Fprintf(bw, "%d,%s,%s,%s,%t,%s,%s,%s,%s,%s,%s,%s%s", r.ID, age, income, score, r.Active, r.Country,
			r.Email, signup, csvQuote(r.Note), r.Phone, r.Card, r.BirthDate, eol)
	}
	return bw.Flush()
}

func writeFixtureJSONL(w io.Writer, rows []fixtureRow) error {
	bw := bufio.NewWriter(w)
	for i, r := range rows {
		m := []any{"id", r.ID}
		if r.Age != nil {
			m = append(m, "age", *r.Age)
		} else if r.AgeNA {
			m = append(m, "age", nil)
		}
		if r.Income != nil {
			m = append(m, "income", json.Number(fmtFloat(*r.Income)))
		}
		m = append(m, "score", json.Number(fmtFloat(r.Score)), "active", r.Active, "country", r.Country)
		if r.Email != "" || i%2 == 0 {
			m = append(m, "email", r.Email)
		}
		signup := r.Signup.Format(time.RFC3339)
		if r.DateOnly {
			signup = r.Signup.Format(time.DateOnly)
		}
		m = append(m, "signup", signup, "note", r.Note, "address", []any{"city", r.City, "zip", json.Number(strconv.Itoa(1000 + i%9000))},
			"tags", []string{r.Country, "x"})
		bw.WriteString("{")
		for k := 0; k < len(m); k += 2 {
			if k > 0 {
				bw.WriteString(",")
			}
			key, _ := json.Marshal(m[k])
			bw.Write(key)
			bw.WriteString(":")
			if obj, ok := m[k+1].([]any); ok {
				bw.WriteString("{")
				for j := 0; j < len(obj); j += 2 {
					if j > 0 {
						bw.WriteString(", ")
					}
					a, _ := json.Marshal(obj[j])
					b, _ := json.Marshal(obj[j+1])
					bw.Write(a)
					bw.WriteString(": ")
					bw.Write(b)
				}
				bw.WriteString("}")
				continue
			}
			v, err := json.Marshal(m[k+1])
			if err != nil {
				return err
			}
			bw.Write(v)
		}
		bw.WriteString("}\n")
	}
	return bw.Flush()
}

// parquetRow is the reference data set as Parquet: optional columns are
// pointers.
type parquetRow struct {
	ID         int64     `parquet:"id"`
	Age        *int64    `parquet:"age"`
	Income     *float64  `parquet:"income"`
	Score      float64   `parquet:"score"`
	Active     bool      `parquet:"active"`
	Country    string    `parquet:"country"`
	Email      *string   `parquet:"email"`
	Signup     time.Time `parquet:"signup,timestamp(millisecond)"`
	Note       string    `parquet:"note"`
	Phone      string    `parquet:"phone"`
	Instrument string    `parquet:"instrument"`
	BirthDate  string    `parquet:"birth_date"`
}

func writeFixtureParquet(w io.Writer, rows []fixtureRow) error {
	pw := parquet.NewGenericWriter[parquetRow](w, parquet.PageBufferSize(64<<10), parquet.MaxRowsPerRowGroup(6000))
	batch := make([]parquetRow, 0, 1000)
	for _, r := range rows {
		p := parquetRow{ID: r.ID, Age: r.Age, Income: r.Income, Score: r.Score, Active: r.Active, Country: r.Country,
			Signup: r.Signup, Note: r.Note, Phone: r.Phone, Instrument: r.Card, BirthDate: r.BirthDate}
		if r.Email != "" {
			e := r.Email
			p.Email = &e
		}
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			if _, err := pw.Write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := pw.Write(batch); err != nil {
		return err
	}
	return pw.Close()
}

func fixtureBytes(t testing.TB, write func(io.Writer, []fixtureRow) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, fixtureData()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestFixtureFiles checks that the generator still produces the files the
// committed reference was computed from, and writes them on request.
func TestFixtureFiles(t *testing.T) {
	csvData := fixtureBytes(t, writeFixtureCSV)
	jsonlData := fixtureBytes(t, writeFixtureJSONL)
	if *writeFixtures != "" {
		if err := os.MkdirAll(*writeFixtures, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"people.csv": csvData, "people.jsonl": jsonlData} {
			if err := os.WriteFile(filepath.Join(*writeFixtures, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	ref := loadReference(t)
	if got := sha(csvData); got != ref.Files["people.csv"].SHA256 {
		t.Errorf("generated people.csv has sha256 %s, the reference was computed from %s; regenerate (see fixture_test.go)", got, ref.Files["people.csv"].SHA256)
	}
	if got := sha(jsonlData); got != ref.Files["people.jsonl"].SHA256 {
		t.Errorf("generated people.jsonl has sha256 %s, the reference was computed from %s; regenerate (see fixture_test.go)", got, ref.Files["people.jsonl"].SHA256)
	}
}

type refColumn struct {
	Count     int64            `json:"count"`
	Nulls     int64            `json:"nulls"`
	Distinct  int64            `json:"distinct"`
	Min       *float64         `json:"min"`
	Max       *float64         `json:"max"`
	Mean      *float64         `json:"mean"`
	Std       *float64         `json:"std"`
	QGrid     []float64        `json:"quantile_grid"` // exact lower quantiles at q = i/1000
	Histogram []int64          `json:"histogram"`
	Edges     []float64        `json:"edges"`
	Top       []map[string]any `json:"top"`
}

type refFile struct {
	SHA256  string               `json:"sha256"`
	Rows    int64                `json:"rows"`
	Bytes   int64                `json:"bytes"`
	Columns map[string]refColumn `json:"columns"`
	Order   []string             `json:"order"`
}

type reference struct {
	Files map[string]refFile `json:"files"`
}

func loadReference(t testing.TB) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}
