//go:build gcs

package blobs

// Built with -tags gcs: registers gocloud's gcsblob driver on the default URL mux.
import _ "gocloud.dev/blob/gcsblob"
