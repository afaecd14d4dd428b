//go:build s3

package blobs

// Built with -tags s3: registers gocloud's s3blob driver on the default URL mux.
import _ "gocloud.dev/blob/s3blob"
