package main

// Pull-side resolution and unpacking, done by containerd 1.6's own code:
//
//   - images.Manifest: index / manifest list walk, platform filter and
//     ordering, manifest decoding and validateMediaType (schema 1 refused);
//   - the unpacker's layer selection (unpacker.go handlerWrapper / unpack,
//     and image.go Unpack/getLayers when the handler does not unpack);
//   - snapshots/overlay: the overlayfs snapshotter, unchanged, so layer 0 is
//     applied through a bind mount (naive whiteouts) and every later layer
//     into its own upperdir with the lower snapshots as parents;
//   - diff/apply.NewFileSystemApplier: the applier the node's walking diff
//     service uses: diff.GetProcessor/images.DiffCompression decompression,
//     archive.Apply (with OverlayConvertWhiteout + WithParents for overlay
//     mounts), draining trailing bytes and hashing the uncompressed stream;
//   - the diff ID check and chain IDs of the unpacker.

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/diff/apply"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/platforms"
	"github.com/containerd/containerd/snapshots"
	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The node the image is judged for: CRI pulls with platforms.Default(),
// which on a linux/amd64 node is platforms.Only(linux/amd64).
var nodePlatform = ocispec.Platform{OS: "linux", Architecture: "amd64"}

type resolved struct {
	config  ocispec.Image
	layers  []ocispec.Descriptor
	diffIDs []digest.Digest
}

// resolveImage picks the manifest, reads the config and the layer list
// exactly as pull + unpack would. Every error is a refusal.
func resolveImage(ctx context.Context, p content.Provider, root ocispec.Descriptor) (*resolved, error) {
	matcher := platforms.Only(nodePlatform)
	manifest, err := images.Manifest(ctx, p, root, matcher)
	if err != nil {
		return nil, refuse(fmt.Errorf("resolve manifest: %w", err))
	}

	// CRI's image store and the unpacker both read the config like this.
	cb, err := content.ReadBlob(ctx, p, manifest.Config)
	if err != nil {
		return nil, refuse(fmt.Errorf("read image config: %w", err))
	}
	var img ocispec.Image
	if err := json.Unmarshal(cb, &img); err != nil {
		return nil, refuse(fmt.Errorf("unmarshal image config: %w", err))
	}
	diffIDs := img.RootFS.DiffIDs

	// Fetch every blob the pull would fetch (content.Copy verifies it).
	for _, l := range manifest.Layers {
		ra, err := p.ReaderAt(ctx, l)
		if err != nil {
			return nil, refuse(fmt.Errorf("fetch layer %s: %w", l.Digest, err))
		}
		ra.Close()
	}

	// unpacker.handlerWrapper: for a manifest, children with a layer media
	// type are held back as the layers of its config; the config (when it
	// has a Docker/OCI config media type) then starts the unpack with just
	// those. If no unpack was started that way, client.Pull falls back to
	// image.Unpack, which uses every manifest layer.
	var typed []ocispec.Descriptor
	for _, l := range manifest.Layers {
		if images.IsLayerType(l.MediaType) {
			typed = append(typed, l)
		}
	}
	cfgType := manifest.Config.MediaType
	handlerUnpacks := (cfgType == images.MediaTypeDockerSchema2Config || cfgType == ocispec.MediaTypeImageConfig) && len(typed) > 0
	var layers []ocispec.Descriptor
	if handlerUnpacks {
		if len(typed) != len(diffIDs) {
			return nil, refuse(fmt.Errorf("number of layers and diffIDs don't match: %d != %d", len(typed), len(diffIDs)))
		}
		layers = typed
	} else {
		if len(diffIDs) != len(manifest.Layers) {
			return nil, refuse(fmt.Errorf("mismatched image rootfs and manifest layers"))
		}
		layers = manifest.Layers
	}
	return &resolved{config: img, layers: layers, diffIDs: diffIDs}, nil
}

// unpackLayers applies every layer as the unpacker does and returns the
// chain ID of the top snapshot ("" for an image without layers).
func unpackLayers(ctx context.Context, sn snapshots.Snapshotter, p content.Provider, r *resolved) (string, error) {
	applier := apply.NewFileSystemApplier(p)
	var chain []digest.Digest
	for i, desc := range r.layers {
		parent := identity.ChainID(chain)
		chain = append(chain, r.diffIDs[i])
		chainID := identity.ChainID(chain).String()

		key := fmt.Sprintf(snapshots.UnpackKeyFormat, fmt.Sprintf("pcoracle-%d", i), chainID)
		mounts, err := sn.Prepare(ctx, key, parent.String())
		if err != nil {
			return "", fmt.Errorf("failed to prepare extraction snapshot %q: %w", key, err)
		}
		logf("layer %d %s (%s): mounts %s", i, desc.Digest, desc.MediaType, describeMounts(mounts))
		d, err := applier.Apply(ctx, desc, mounts)
		if err != nil {
			return "", refuse(fmt.Errorf("failed to extract layer %s: %w", r.diffIDs[i], err))
		}
		if d.Digest != r.diffIDs[i] {
			return "", refuse(fmt.Errorf("wrong diff id calculated on extraction %q (got %s)", r.diffIDs[i], d.Digest))
		}
		if err := sn.Commit(ctx, chainID, key); err != nil {
			return "", fmt.Errorf("failed to commit snapshot %s: %w", key, err)
		}
	}
	return identity.ChainID(chain).String(), nil
}

func describeMounts(ms []mount.Mount) string {
	s := ""
	for _, m := range ms {
		s += fmt.Sprintf("[%s %s %v]", m.Type, m.Source, m.Options)
	}
	return s
}

// readonly is oci.tryReadonlyMounts: what WithUser mounts to read
// /etc/passwd, and a safe way for us to look at the container rootfs.
func readonly(ms []mount.Mount) []mount.Mount {
	out := make([]mount.Mount, len(ms))
	copy(out, ms)
	if len(out) == 1 && out[0].Type == "overlay" {
		out[0].Options = append(append([]string(nil), out[0].Options...), "ro")
	}
	return out
}
