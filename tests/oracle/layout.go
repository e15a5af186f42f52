package main

// Content access for an OCI image layout directory.
//
// On a containerd node, every blob reaches the content store through
// content.Copy -> Writer.Commit(size, digest), which refuses a blob whose
// digest or size differs from its descriptor. layoutProvider plays that
// role: it is a content.Provider (the interface images.Manifest,
// content.ReadBlob and the diff applier read through) that checks each blob
// in full against its descriptor before handing it out.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

type layoutProvider struct {
	dir string

	// index.json itself, served under its own digest when the layout
	// holds more than one manifest (then index.json is the root index).
	rootBlob   []byte
	rootDigest digest.Digest

	mu       sync.Mutex
	verified map[digest.Digest]int64
}

// openLayout reads LAYOUT/index.json and returns the provider and the root
// descriptor the runtime would resolve: the single entry of index.json
// (like pulling that tag from a registry), or index.json itself as an
// index when it lists several entries.
func openLayout(dir string) (*layoutProvider, ocispec.Descriptor, error) {
	p := &layoutProvider{dir: dir, verified: map[digest.Digest]int64{}}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, ocispec.Descriptor{}, refuse(fmt.Errorf("read index.json: %w", err))
	}
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, ocispec.Descriptor{}, refuse(fmt.Errorf("decode index.json: %w", err))
	}
	switch len(idx.Manifests) {
	case 0:
		return nil, ocispec.Descriptor{}, refuse(fmt.Errorf("index.json lists no manifest"))
	case 1:
		return p, idx.Manifests[0], nil
	}
	mt := idx.MediaType
	if mt == "" {
		mt = ocispec.MediaTypeImageIndex
	}
	p.rootBlob = b
	p.rootDigest = digest.FromBytes(b)
	return p, ocispec.Descriptor{MediaType: mt, Digest: p.rootDigest, Size: int64(len(b))}, nil
}

type fileReaderAt struct {
	*os.File
	size int64
}

func (f fileReaderAt) Size() int64 { return f.size }

type bytesReaderAt struct {
	*bytes.Reader
}

func (bytesReaderAt) Close() error { return nil }

// ReaderAt implements content.Provider.
func (p *layoutProvider) ReaderAt(ctx context.Context, desc ocispec.Descriptor) (content.ReaderAt, error) {
	if p.rootBlob != nil && desc.Digest == p.rootDigest {
		return bytesReaderAt{bytes.NewReader(p.rootBlob)}, nil
	}
	if err := desc.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("descriptor digest %q: %w", desc.Digest, err)
	}
	path := filepath.Join(p.dir, "blobs", desc.Digest.Algorithm().String(), desc.Digest.Encoded())
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("blob %s: %w", desc.Digest, errdefs.ErrNotFound)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("blob %s is not a regular file", desc.Digest)
	}
	if fi.Size() != desc.Size {
		f.Close()
		return nil, fmt.Errorf("blob %s: size %d, descriptor says %d: %w", desc.Digest, fi.Size(), desc.Size, errdefs.ErrFailedPrecondition)
	}
	p.mu.Lock()
	size, done := p.verified[desc.Digest]
	p.mu.Unlock()
	if !done || size != fi.Size() {
		v := desc.Digest.Verifier()
		if _, err := io.Copy(v, f); err != nil {
			f.Close()
			return nil, err
		}
		if !v.Verified() {
			f.Close()
			return nil, fmt.Errorf("blob %s: content does not match its digest: %w", desc.Digest, errdefs.ErrFailedPrecondition)
		}
		p.mu.Lock()
		p.verified[desc.Digest] = fi.Size()
		p.mu.Unlock()
	}
	return fileReaderAt{File: f, size: fi.Size()}, nil
}
