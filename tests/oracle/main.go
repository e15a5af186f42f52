// Command pcoracle is a TEST-ONLY oracle for portcullis: it reads an OCI
// image layout the way a containerd 1.6 node with the overlayfs snapshotter
// and the CRI plugin would, by calling containerd's own packaged code, and
// prints the resulting container filesystem, image config and user as one
// JSON object. See README.md in this directory.
//
//	pcoracle LAYOUT_DIR
//
// Exit status: 0 when a JSON object was printed (also when the runtime
// would refuse the image: then "error" is set), 1 on an internal error of
// the oracle itself, 2 on a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/oci"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/overlay"
	"github.com/containerd/containerd/snapshots/overlay/overlayutils"
	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// refusal marks an error that means "the runtime refuses this image", as
// opposed to an internal failure of the oracle.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

func refuse(err error) error { return refusal{err} }

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "pcoracle: "+format+"\n", args...)
}

type configOut struct {
	User         string   `json:"User"`
	Entrypoint   []string `json:"Entrypoint"`
	Cmd          []string `json:"Cmd"`
	WorkingDir   string   `json:"WorkingDir"`
	Env          []string `json:"Env"`
	ExposedPorts []string `json:"ExposedPorts"`
}

type userOut struct {
	UID   *uint32 `json:"uid,omitempty"`
	GID   *uint32 `json:"gid,omitempty"`
	Error *string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) != 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: pcoracle LAYOUT_DIR")
		os.Exit(2)
	}
	layout := os.Args[1]
	if fi, err := os.Stat(layout); err != nil || !fi.IsDir() {
		fmt.Fprintf(os.Stderr, "pcoracle: %s is not a directory\n", layout)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	out, err := run(ctx, layout)
	stop()
	if err != nil {
		logf("internal error: %v", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		logf("write output: %v", err)
		os.Exit(1)
	}
}

// run returns the JSON object to print, or an internal error.
func run(ctx context.Context, layout string) (out map[string]interface{}, err error) {
	tmp, err := os.MkdirTemp("", "pcoracle-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := cleanupDir(tmp); cerr != nil && err == nil {
			out, err = nil, cerr
		}
	}()

	snRoot := filepath.Join(tmp, "overlayfs")
	if err := os.MkdirAll(snRoot, 0700); err != nil {
		return nil, err
	}
	// As the overlayfs snapshotter plugin does before constructing it.
	if err := overlayutils.Supported(snRoot); err != nil {
		return nil, fmt.Errorf("overlayfs not usable here: %w", err)
	}
	sn, err := overlay.NewSnapshotter(snRoot)
	if err != nil {
		return nil, err
	}
	defer sn.Close()

	res, err := inspect(ctx, layout, sn)
	if ctx.Err() != nil {
		// Interrupted: whatever inspect reported is not a verdict.
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if err != nil {
		var r refusal
		if errors.As(err, &r) {
			msg := r.Error()
			return map[string]interface{}{"error": msg}, nil
		}
		return nil, err
	}
	return res, nil
}

func inspect(ctx context.Context, layout string, sn snapshots.Snapshotter) (map[string]interface{}, error) {
	p, root, err := openLayout(layout)
	if err != nil {
		return nil, err
	}
	r, err := resolveImage(ctx, p, root)
	if err != nil {
		return nil, err
	}
	top, err := unpackLayers(ctx, sn, p, r)
	if err != nil {
		return nil, err
	}

	// CRI: containerd.WithNewSnapshot(id, image) prepares the container's
	// active snapshot on top of the image's chain ID.
	const containerKey = "pcoracle-container"
	mounts, err := sn.Prepare(ctx, containerKey, top)
	if err != nil {
		return nil, fmt.Errorf("prepare container snapshot: %w", err)
	}
	logf("container rootfs mounts %s", describeMounts(mounts))

	var files map[string]*fileEntry
	var user userOut
	var walkErr error
	merr := mount.WithTempMount(ctx, readonly(mounts), func(rootfs string) error {
		files, walkErr = walkRoot(ctx, rootfs)
		if walkErr != nil {
			return nil
		}
		user = resolveUser(ctx, rootfs, r.config.Config.User)
		return nil
	})
	if walkErr != nil {
		return nil, fmt.Errorf("walk rootfs: %w", walkErr)
	}
	if merr != nil {
		// The node would fail to mount the container's rootfs (e.g. too
		// many layers for overlayfs): the image cannot run.
		return nil, refuse(fmt.Errorf("mount container rootfs: %w", merr))
	}

	c := r.config.Config
	cfg := configOut{
		User:       c.User,
		Entrypoint: c.Entrypoint,
		Cmd:        c.Cmd,
		WorkingDir: c.WorkingDir,
		Env:        c.Env,
	}
	if c.ExposedPorts != nil {
		cfg.ExposedPorts = make([]string, 0, len(c.ExposedPorts))
		for k := range c.ExposedPorts {
			cfg.ExposedPorts = append(cfg.ExposedPorts, k)
		}
		sort.Strings(cfg.ExposedPorts)
	}
	return map[string]interface{}{
		"error":  nil,
		"files":  files,
		"config": cfg,
		"user":   user,
	}, nil
}

// resolveUser does what CRI's container create does with the image USER:
// when it is non-empty, oci.WithUser(user) on the container's spec; the
// default spec user otherwise is uid 0, gid 0.
//
// CRI calls WithUser on a container whose Snapshotter/SnapshotKey are set,
// so WithUser mounts the container snapshot read-only (tryReadonlyMounts)
// and reads /etc/passwd and /etc/group from it. We call the same
// containerd oci.WithUser with an empty containers.Container and
// Spec.Root.Path = the same read-only mount of the same snapshot, which
// reaches the same UserFromPath/GIDFromPath code on the same view.
// (The containerd oci package builds offline, so the runc
// libcontainer/user fallback is not needed.)
func resolveUser(ctx context.Context, rootfs, userstr string) userOut {
	var uid, gid uint32
	if userstr != "" {
		s := &oci.Spec{
			Process: &specs.Process{},
			Root:    &specs.Root{Path: rootfs},
			Linux:   &specs.Linux{},
		}
		if err := oci.WithUser(userstr)(ctx, nil, &containers.Container{}, s); err != nil {
			msg := err.Error()
			return userOut{Error: &msg}
		}
		uid, gid = s.Process.User.UID, s.Process.User.GID
	}
	return userOut{UID: &uid, GID: &gid}
}

// cleanupDir removes the oracle's scratch directory, refusing to recurse
// into anything that is still mounted below it.
func cleanupDir(dir string) error {
	mnts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	// Deepest first.
	sort.Slice(mnts, func(i, j int) bool { return len(mnts[i].Mountpoint) > len(mnts[j].Mountpoint) })
	for _, m := range mnts {
		logf("unmounting leftover mount %s", m.Mountpoint)
		if err := mount.UnmountAll(m.Mountpoint, 0); err != nil {
			return fmt.Errorf("leftover mount %s not removed (%v); not deleting %s", m.Mountpoint, err, dir)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}
