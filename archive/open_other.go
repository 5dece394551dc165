//go:build !unix

package archive

// openFlags: no FIFOs to fear outside Unix; fstat still runs after open.
const openFlags = 0
