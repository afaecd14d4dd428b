package atrium

import (
	"encoding/base64"
	"strconv"
)

// Default and maximum page sizes for every list endpoint.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// PageRequest asks for one page of a list. Token is opaque to clients; today
// it encodes an offset, which keeps it stable across both SQL dialects.
type PageRequest struct {
	Size   int
	Offset int
}

// Page is one page of results plus the token for the next one ("" at the end).
type Page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
	Total         int    `json:"total"`
}

// ParsePage validates page_size and page_token as given by a client.
func ParsePage(size, token string) (PageRequest, error) {
	p := PageRequest{Size: DefaultPageSize}
	if size != "" {
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, Errorf(Invalid, "page_size must be a whole number from 1 to %d", MaxPageSize)
		}
		p.Size = n
	}
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return p, Errorf(Invalid, "page_token is not a token this server issued")
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < 0 || n > 1<<30 {
			return p, Errorf(Invalid, "page_token is not a token this server issued")
		}
		p.Offset = n
	}
	return p, nil
}

// NextToken returns the token for the page after p, given the total count.
func (p PageRequest) NextToken(total int) string {
	next := p.Offset + p.Size
	if next >= total {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(next)))
}
