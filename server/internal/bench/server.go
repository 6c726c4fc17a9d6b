package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Server is the walkthrough binary serving the benchmark's database on a
// free port of 127.0.0.1, in a process of its own so that its memory can be
// read apart from the load generator's.
type Server struct {
	BaseURL string
	cmd     *exec.Cmd
	log     *os.File
}

// BuildBinary builds the walkthrough command into dir and returns its path.
func BuildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "walkthrough")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server/cmd/walkthrough")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the server: %w\n%s", err, out)
	}
	return bin, nil
}

// StartServer starts bin serving databaseURL, with env added to its
// settings, and waits until it is ready.
func StartServer(ctx context.Context, bin, databaseURL, dataDir string, env ...string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	logf, err := os.OpenFile(filepath.Join(dataDir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "WALKTHROUGH_ADDR="+addr, "WALKTHROUGH_DATA_DIR="+dataDir,
		"WALKTHROUGH_DATABASE_URL="+databaseURL, "WALKTHROUGH_DEMO=false", "WALKTHROUGH_LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{BaseURL: "http://" + addr, cmd: cmd, log: logf}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = s.Stop()
	out, _ := os.ReadFile(logf.Name())
	return nil, fmt.Errorf("the server did not become ready:\n%s", out)
}

// Memory reads the server's resident memory now and at its peak, in bytes,
// from /proc.
func (s *Server) Memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("no memory figures in /proc")
	}
	return rss, peak, sc.Err()
}

// CPUTime reads the processor time the server has used so far, user and
// system: a figure that other work on the machine slows less than the
// wall clock.
func (s *Server) CPUTime() (time.Duration, error) { return ProcessCPU(s.cmd.Process.Pid) }

// Stop ends the server with SIGTERM, as an orchestrator would.
func (s *Server) Stop() error {
	defer s.log.Close()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		return errors.New("the server did not stop within 30 s")
	}
}

// Kill ends the server at once with SIGKILL: no clean stop, as a crash.
func (s *Server) Kill() error {
	defer s.log.Close()
	if err := s.cmd.Process.Kill(); err != nil {
		return err
	}
	_ = s.cmd.Wait()
	return nil
}
