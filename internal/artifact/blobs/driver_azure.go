//go:build azure

package blobs

// Built with -tags azure: registers gocloud's azureblob driver on the default URL mux.
import _ "gocloud.dev/blob/azureblob"
