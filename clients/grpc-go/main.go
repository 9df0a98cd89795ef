// greeter-go-client: a proxyless gRPC client in Go (grpc-go, the client Istio documents for
// proxyless gRPC), to check that grpc-go and @grpc/grpc-js-xds route the same xDS alike.
//
// It calls api.Greeter/SayHello on an xds:/// target with the bootstrap from
// GRPC_XDS_BOOTSTRAP_CONFIG (or GRPC_XDS_BOOTSTRAP), and prints one line per call in the greeter
// client's own text format, so canarykit's verdict code reads it unchanged:
//
//	2026-12-04T20:00:00.000Z INFO call server response = name:"Hello go" id:"v2.0.0" latency_ms:1.2 seq:7
//	2026-12-04T20:00:00.000Z ERROR call server error = code:14 status:"UNAVAILABLE" details:"..." latency_ms:0.4 seq:8
//
// The messages are encoded with protowire (three fields), so no protoc or generated code is needed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and balancers
)

// rawCodec sends and receives bytes as they are: the request is encoded by hand below.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

// helloRequest encodes api.HelloRequest{name}.
func helloRequest(name string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), name)
}

// user decodes api.User's name (1) and id (2), skipping other fields.
func user(b []byte) (name, id string, err error) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", "", protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == 1 || num == 2) {
			v, m := protowire.ConsumeString(b)
			if m < 0 {
				return "", "", protowire.ParseError(m)
			}
			if num == 1 {
				name = v
			} else {
				id = v
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return "", "", protowire.ParseError(m)
		}
		b = b[m:]
	}
	return name, id, nil
}

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ",") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	target := flag.String("target", "xds:///greeter-server:20000", "the service to call")
	calls := flag.Int("calls", 100, "how many calls to make")
	concurrency := flag.Int("concurrency", 4, "calls in flight")
	name := flag.String("name", "go", "the name to greet")
	deadline := flag.Duration("deadline", 5*time.Second, "deadline of each call")
	ready := flag.Duration("ready", 20*time.Second, "how long the first call may wait for xDS and a connection")
	var hdrs headers
	flag.Var(&hdrs, "header", "a request header KEY=VALUE (repeatable), e.g. user=admin")
	flag.Parse()
	md := metadata.MD{}
	for _, h := range hdrs {
		k, v, ok := strings.Cut(h, "=")
		if !ok || k == "" {
			fmt.Fprintf(os.Stderr, "greeter-go-client: -header %q: want KEY=VALUE, e.g. -header user=admin\n", h)
			os.Exit(2)
		}
		md.Append(strings.ToLower(k), v)
	}
	if os.Getenv("GRPC_XDS_BOOTSTRAP_CONFIG") == "" && os.Getenv("GRPC_XDS_BOOTSTRAP") == "" && strings.HasPrefix(*target, "xds:") {
		fmt.Fprintln(os.Stderr, "greeter-go-client: an xds:/// target needs a bootstrap: set GRPC_XDS_BOOTSTRAP_CONFIG (JSON) or GRPC_XDS_BOOTSTRAP (a file)")
		os.Exit(2)
	}
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fmt.Fprintf(os.Stderr, "greeter-go-client: %s: %v\n", *target, err)
		os.Exit(2)
	}
	defer conn.Close()

	// The first call waits for the channel (xDS resolution, a connection), as the JS probe does.
	warm, cancel := context.WithTimeout(context.Background(), *ready)
	var out []byte
	err = conn.Invoke(warm, "/api.Greeter/SayHello", ptr(helloRequest(*name)), &out, grpc.WaitForReady(true))
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "greeter-go-client: no answer from %s within %s: %v\n", *target, *ready, err)
		os.Exit(1)
	}

	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx := metadata.NewOutgoingContext(context.Background(), md)
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				seq := next.Add(1)
				if seq > int64(*calls) {
					return
				}
				callCtx, cancel := context.WithTimeout(ctx, *deadline)
				started := time.Now()
				var reply []byte
				err := conn.Invoke(callCtx, "/api.Greeter/SayHello", ptr(helloRequest(*name)), &reply)
				cancel()
				ms := float64(time.Since(started).Microseconds()) / 1000
				now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
				var line string
				if err != nil {
					s := status.Convert(err)
					line = fmt.Sprintf("%s ERROR call server error = code:%d status:%q details:%q latency_ms:%.1f seq:%d", now, s.Code(), codeName(s.Code().String()), s.Message(), ms, seq)
				} else if n, id, perr := user(reply); perr != nil {
					line = fmt.Sprintf("%s ERROR call server error = code:13 status:\"INTERNAL\" details:%q latency_ms:%.1f seq:%d", now, "bad response: "+perr.Error(), ms, seq)
				} else {
					line = fmt.Sprintf("%s INFO call server response = name:%q id:%q latency_ms:%.1f seq:%d", now, n, id, ms, seq)
				}
				mu.Lock()
				fmt.Println(line)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func ptr(b []byte) *[]byte { return &b }

// codeName turns grpc-go's "Unavailable" into the gRPC name "UNAVAILABLE" the verdict code uses.
func codeName(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
