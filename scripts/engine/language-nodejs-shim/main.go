// Command pulumi-language-nodejs is a thin front for the Node.js language host that
// scripts/pulumi-engine.sh can build from the Go module proxy (the one in sdk/v3 v3.68.0).
//
// Why it exists: that host runs programs fine under a v3.248.0 CLI, but it answers the
// LanguageRuntime.RunPlugin call with "not supported", and a current CLI starts `runtime: nodejs`
// policy packs (and Node.js component providers) through exactly that call. This front starts the
// real host as a child, passes every gRPC call through to it unchanged, and answers RunPlugin
// itself by running the entry points that @pulumi/pulumi ships for this purpose
// (cmd/run-policy-pack for analyzers, cmd/run-plugin for everything else), resolved from the
// plugin's own node_modules.
//
// It speaks raw protobuf frames, so it depends on no Pulumi module and on no particular version of
// the protocol beyond the RunPlugin request and response fields it reads and writes.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

const runPluginMethod = "/pulumirpc.LanguageRuntime/RunPlugin"

// rawCodec moves message bytes through untouched, so calls can be relayed without knowing their types.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (front): %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	self, err = filepath.EvalSymlinks(self)
	if err != nil {
		return err
	}
	inner := filepath.Join(filepath.Dir(self), "..", "libexec", "pulumi-language-nodejs")

	// The inner host gets exactly our arguments; it prints its port on the first line of stdout.
	child := exec.Command(inner, os.Args[1:]...)
	child.Stderr = os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", inner, err)
	}
	reader := bufio.NewReader(out)
	port, err := reader.ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the port of %s: %w", inner, err)
	}
	go func() { _, _ = io.Copy(os.Stdout, reader) }()

	backend, err := grpc.NewClient("127.0.0.1:"+strings.TrimSpace(port),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(400<<20)))
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer(
		grpc.ForceServerCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(400<<20),
		grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error {
			method, _ := grpc.MethodFromServerStream(ss)
			if method == runPluginMethod {
				return runPlugin(ss)
			}
			return relay(backend, method, ss)
		}),
	)
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)

	done := make(chan error, 1)
	go func() { done <- child.Wait() }()
	go func() { done <- srv.Serve(lis) }()
	err = <-done
	srv.Stop()
	return err
}

// relay forwards one call, in both directions and with its metadata, to the inner host.
func relay(backend *grpc.ClientConn, method string, ss grpc.ServerStream) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	md, _ := metadata.FromIncomingContext(ctx)
	ctx = metadata.NewOutgoingContext(ctx, md.Copy())
	cs, err := backend.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}

	upErr := make(chan error, 1)
	go func() {
		for {
			var msg []byte
			if err := ss.RecvMsg(&msg); err != nil {
				if errors.Is(err, io.EOF) {
					upErr <- cs.CloseSend()
				} else {
					upErr <- err
				}
				return
			}
			if err := cs.SendMsg(&msg); err != nil {
				upErr <- err
				return
			}
		}
	}()

	first := true
	for {
		var msg []byte
		err := cs.RecvMsg(&msg)
		if first {
			first = false
			if hdr, herr := cs.Header(); herr == nil {
				_ = ss.SendHeader(hdr)
			}
		}
		if errors.Is(err, io.EOF) {
			ss.SetTrailer(cs.Trailer())
			return nil
		}
		if err != nil {
			ss.SetTrailer(cs.Trailer())
			return err
		}
		if err := ss.SendMsg(&msg); err != nil {
			return err
		}
		select {
		case e := <-upErr:
			if e != nil {
				return e
			}
		default:
		}
	}
}

// runPluginRequest holds the RunPluginRequest fields this front uses (pulumi/language.proto).
type runPluginRequest struct {
	pwd, program, kind string
	args, env          []string
	programDirectory   string
	entryPoint         string
}

func parseRunPluginRequest(b []byte) (runPluginRequest, error) {
	var r runPluginRequest
	err := eachField(b, func(num protowire.Number, v []byte) error {
		switch num {
		case 1:
			r.pwd = string(v)
		case 2:
			r.program = string(v)
		case 3:
			r.args = append(r.args, string(v))
		case 4:
			r.env = append(r.env, string(v))
		case 5: // ProgramInfo
			return eachField(v, func(n protowire.Number, iv []byte) error {
				switch n {
				case 2:
					r.programDirectory = string(iv)
				case 3:
					r.entryPoint = string(iv)
				}
				return nil
			})
		case 6:
			r.kind = string(v)
		}
		return nil
	})
	return r, err
}

// eachField calls fn with the number and payload of every length-delimited field of a message.
func eachField(b []byte, fn func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			if err := fn(num, v); err != nil {
				return err
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		b = b[m:]
	}
	return nil
}

// runPlugin starts a Node.js plugin (policy pack or provider) and streams its output as
// RunPluginResponse messages: stdout = 1, stderr = 2, exitcode = 3.
func runPlugin(ss grpc.ServerStream) error {
	var raw []byte
	if err := ss.RecvMsg(&raw); err != nil {
		return err
	}
	req, err := parseRunPluginRequest(raw)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "RunPlugin request: %v", err)
	}
	dir := req.programDirectory
	if dir == "" {
		dir = req.program
	}
	if dir == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin request names no program directory")
	}

	entry, args := "@pulumi/pulumi/cmd/run-plugin", append([]string{dir}, req.args...)
	if req.kind == "analyzer" {
		// run-policy-pack <engine-address> <program>; the engine sends the address as the only arg.
		entry, args = "@pulumi/pulumi/cmd/run-policy-pack", append(append([]string{}, req.args...), dir)
	}
	script, err := resolveNodeModule(dir, entry)
	if err != nil {
		return status.Errorf(codes.FailedPrecondition,
			"cannot find %s from %s (are the plugin's node_modules installed?): %v", entry, dir, err)
	}

	cmd := exec.CommandContext(ss.Context(), "node", append([]string{script}, args...)...)
	cmd.Dir = req.pwd
	if req.kind == "analyzer" {
		// @pulumi/policy reads the pack's package.json from the working directory, while the engine
		// may hand over the stack program's directory as pwd: run the pack in its own directory.
		cmd.Dir = dir
	}
	cmd.Env = append(os.Environ(), req.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}

	var mu sync.Mutex
	send := func(field protowire.Number, data []byte) error {
		msg := protowire.AppendTag(nil, field, protowire.BytesType)
		msg = protowire.AppendBytes(msg, data)
		mu.Lock()
		defer mu.Unlock()
		return ss.SendMsg(&msg)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, field protowire.Number) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if send(field, append([]byte(nil), buf[:n]...)) != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, 1)
	go pump(stderr, 2)
	wg.Wait()

	code := 0
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return err
		}
		code = exit.ExitCode()
	}
	msg := protowire.AppendTag(nil, 3, protowire.VarintType)
	msg = protowire.AppendVarint(msg, uint64(int64(int32(code))))
	mu.Lock()
	defer mu.Unlock()
	return ss.SendMsg(&msg)
}

// resolveNodeModule asks Node.js where a module resolves from dir, as `require` in dir would.
func resolveNodeModule(dir, module string) (string, error) {
	cmd := exec.Command("node", "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", errors.New(strings.TrimSpace(string(exit.Stderr)))
		}
		return "", err
	}
	return string(out), nil
}
