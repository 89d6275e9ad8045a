package pyrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// maxFrame bounds one response frame; a larger length prefix means the
// stream is corrupt.
const maxFrame = 1 << 30

// loadDeadline bounds the start and content load of one worker.
const loadDeadline = 2 * time.Minute

// noIndex is the progress value for "no event/detection".
const noIndex = 0xFFFFFFFF

// progress is the worker's last reported position (see pyrun_worker.py).
type progress struct {
	Seq, Item, Det, Fn uint32
}

// inCall reports whether the worker was inside a detection call of request seq.
func (pr progress) inCall(seq uint32) bool {
	return pr.Seq == seq && pr.Item != noIndex && pr.Det != noIndex
}

// worker is one Python process.
type worker struct {
	slot     int
	cmd      *exec.Cmd
	in       io.WriteCloser
	out      *bufio.Reader
	progFile *os.File
	progPath string
	exited   chan struct{} // closed when the process has been reaped
	waitErr  error         // valid after exited is closed
	pid      int

	mu         sync.Mutex
	killReason string // why we killed it, empty if we did not
	timedOut   bool   // killed by the hard call deadline
}

// lockedWriter serializes writes of several workers' stderr copies.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

var stderrLocks sync.Map // io.Writer -> *lockedWriter

func sharedWriter(w io.Writer) io.Writer {
	if w == io.Discard {
		return w
	}
	lw, _ := stderrLocks.LoadOrStore(w, &lockedWriter{w: w})
	return lw.(*lockedWriter)
}

// startWorker starts a process for slot and loads the content into it.
func (p *Pool) startWorker(ctx context.Context, slot int) (*worker, error) {
	prog, err := os.CreateTemp(p.dir, fmt.Sprintf("progress-%d-*", slot))
	if err != nil {
		return nil, fmt.Errorf("pyrun: worker %d: create progress file: %w", slot, err)
	}
	if _, err := prog.Write(make([]byte, 16)); err != nil {
		prog.Close()
		os.Remove(prog.Name())
		return nil, fmt.Errorf("pyrun: worker %d: init progress file: %w", slot, err)
	}
	cmd := exec.Command(p.python, filepath.Join(p.dir, workerScript), prog.Name())
	cmd.Env = append(os.Environ(),
		"PANTHER_KV_PATH="+p.kvPath,
		"PYTHONHASHSEED=0",
		"PYTHONUNBUFFERED=1",
		"PYTHONIOENCODING=utf-8",
	)
	cmd.Stderr = sharedWriter(p.opts.Stderr)
	w := &worker{slot: slot, cmd: cmd, progFile: prog, progPath: prog.Name(), exited: make(chan struct{})}
	if w.in, err = cmd.StdinPipe(); err != nil {
		w.cleanupFiles()
		return nil, fmt.Errorf("pyrun: worker %d: %w", slot, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		w.cleanupFiles()
		return nil, fmt.Errorf("pyrun: worker %d: %w", slot, err)
	}
	w.out = bufio.NewReaderSize(stdout, 1<<16)
	if err := cmd.Start(); err != nil {
		w.cleanupFiles()
		return nil, fmt.Errorf("pyrun: worker %d: start %s: %w", slot, p.python, err)
	}
	w.pid = cmd.Process.Pid
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exited)
	}()
	resp, err := w.call(ctx, p.load, loadDeadline, false)
	if err != nil {
		w.stop()
		return nil, fmt.Errorf("pyrun: worker %d: load content: %w", slot, err)
	}
	var lr struct {
		Fatal  string                 `json:"fatal"`
		Errors map[string]wireError   `json:"errors"`
		Guards map[string][]GuardCond `json:"guards"`
	}
	dec := json.NewDecoder(bytes.NewReader(resp))
	dec.UseNumber()
	if err := dec.Decode(&lr); err != nil {
		w.stop()
		return nil, fmt.Errorf("pyrun: worker %d: decode load response: %w", slot, err)
	}
	if lr.Fatal != "" {
		w.stop()
		return nil, fmt.Errorf("pyrun: worker %d: load content: %s", slot, lr.Fatal)
	}
	p.recordSetupErrors(lr.Errors)
	p.recordGuards(lr.Guards)
	return w, nil
}

// wireError is an error record sent by the worker.
type wireError struct {
	Type string `json:"type"`
	Msg  string `json:"msg"`
	Line int    `json:"line"`
	TB   string `json:"tb"`
	Fn   string `json:"fn"`
	// Module is the module a ModuleNotFoundError could not find.
	Module string `json:"module"`
}

func (p *Pool) recordSetupErrors(errs map[string]wireError) {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	for id, e := range errs {
		if _, ok := p.setupErrs[id]; ok {
			continue
		}
		path, kind := "", "data model"
		if i, ok := p.detIdx[id]; ok {
			path, kind = p.content.Detections[i].Module.Path, p.content.Detections[i].Kind
		} else {
			for _, dm := range p.content.DataModels {
				if dm.ID == id && dm.Module != nil {
					path = dm.Module.Path
				}
			}
		}
		p.setupErrs[id] = p.setupError(id, kind, path, e)
	}
}

// call sends one request and returns the response. limit bounds the call:
// with watchProgress it is the longest time the worker may stay at one
// progress position, otherwise the whole call. A zero limit means no bound.
// On any failure the process is killed and reaped before call returns.
func (w *worker) call(ctx context.Context, req []byte, limit time.Duration, watchProgress bool) ([]byte, error) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.watch(ctx, done, limit, watchProgress)
	}()
	resp, err := w.exchange(req)
	close(done)
	wg.Wait()
	if err != nil {
		w.kill("protocol stream failed: " + err.Error())
		<-w.exited
		return nil, w.deathError(err)
	}
	return resp, nil
}

// watch kills the worker when ctx ends or the call overruns its limit.
func (w *worker) watch(ctx context.Context, done <-chan struct{}, limit time.Duration, watchProgress bool) {
	var tick <-chan time.Time
	if limit > 0 {
		period := limit
		if watchProgress {
			period = min(max(limit/4, 10*time.Millisecond), time.Second)
		}
		t := time.NewTicker(period)
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	last, _ := w.progress()
	for {
		select {
		case <-done:
			return
		case <-w.exited:
			return
		case <-ctx.Done():
			w.kill("call canceled: " + context.Cause(ctx).Error())
			return
		case now := <-tick:
			if !watchProgress {
				w.killTimeout(fmt.Sprintf("call did not finish within %s", limit))
				return
			}
			cur, err := w.progress()
			if err != nil || cur != last {
				last, start = cur, now
				continue
			}
			if now.Sub(start) > limit {
				w.killTimeout(fmt.Sprintf("a call ran longer than %s and did not stop", limit))
				return
			}
		}
	}
}

// exchange writes one frame and reads one frame.
func (w *worker) exchange(req []byte) ([]byte, error) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(req)))
	if _, err := w.in.Write(hdr[:]); err != nil {
		return nil, err
	}
	if _, err := w.in.Write(req); err != nil {
		return nil, err
	}
	return readFrame(w.out)
}

// readFrame reads one length-prefixed frame.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame length %d exceeds the %d byte limit", n, maxFrame)
	}
	if n <= 1<<20 {
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		return buf, nil
	}
	// Grow large frames as the bytes arrive instead of trusting the length
	// prefix for one big allocation.
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, int64(n)); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf.Bytes(), nil
}

// progress reads the worker's progress record.
func (w *worker) progress() (progress, error) {
	var b [16]byte
	if _, err := w.progFile.ReadAt(b[:], 0); err != nil {
		return progress{}, err
	}
	return progress{
		Seq:  binary.NativeEndian.Uint32(b[0:4]),
		Item: binary.NativeEndian.Uint32(b[4:8]),
		Det:  binary.NativeEndian.Uint32(b[8:12]),
		Fn:   binary.NativeEndian.Uint32(b[12:16]),
	}, nil
}

func (w *worker) kill(reason string) {
	w.mu.Lock()
	if w.killReason == "" {
		w.killReason = reason
	}
	w.mu.Unlock()
	_ = w.cmd.Process.Kill()
}

func (w *worker) killTimeout(reason string) {
	w.mu.Lock()
	w.timedOut = true
	w.mu.Unlock()
	w.kill(reason)
}

// WorkerError reports that a worker process died or was killed during a call.
type WorkerError struct {
	// PID is the process id of the worker.
	PID int
	// Reason says why we killed it; empty when it died on its own.
	Reason string
	// Exit is the process exit status ("signal: killed", "exit status 1").
	Exit string
	// Timeout is true when the hard call deadline killed it.
	Timeout bool
	// Err is the protocol error that revealed the death.
	Err error
}

func (e *WorkerError) Error() string {
	msg := fmt.Sprintf("python worker (pid %d) died", e.PID)
	if e.Exit != "" {
		msg += " (" + e.Exit + ")"
	}
	if e.Reason != "" {
		msg += ": killed because " + e.Reason
	}
	return msg
}

func (e *WorkerError) Unwrap() error { return e.Err }

func (w *worker) deathError(err error) *WorkerError {
	w.mu.Lock()
	defer w.mu.Unlock()
	we := &WorkerError{PID: w.pid, Reason: w.killReason, Timeout: w.timedOut, Err: err}
	if w.waitErr != nil {
		we.Exit = w.waitErr.Error()
	} else {
		we.Exit = "exit status 0"
	}
	return we
}

// stop ends the worker: stdin is closed so it exits on its own; if it does
// not within five seconds it is killed. stop waits for the exit.
func (w *worker) stop() error {
	_ = w.in.Close()
	select {
	case <-w.exited:
	case <-time.After(5 * time.Second):
		w.kill("it did not exit after its input was closed")
		<-w.exited
	}
	w.cleanupFiles()
	return nil
}

func (w *worker) cleanupFiles() {
	w.progFile.Close()
	os.Remove(w.progPath)
}

// acquire takes an idle worker.
func (p *Pool) acquire(ctx context.Context) (*worker, error) {
	select {
	case w := <-p.idle:
		return w, nil
	case <-p.broken:
		return nil, p.brokenErr
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func (p *Pool) release(w *worker) { p.idle <- w }

// replace reaps a dead worker, starts a new one in its slot and puts it in
// the idle set. After three failed starts the pool is marked broken, so
// every later acquire fails instead of waiting for a worker that never
// comes.
func (p *Pool) replace(dead *worker) (*worker, error) {
	<-dead.exited
	dead.cleanupFiles()
	var err error
	for range 3 {
		var w *worker
		w, err = p.startWorker(context.Background(), dead.slot)
		if err == nil {
			p.slotsMu.Lock()
			p.slots[dead.slot] = w
			p.slotsMu.Unlock()
			p.release(w)
			return w, nil
		}
	}
	p.slotsMu.Lock()
	p.slots[dead.slot] = nil
	p.slotsMu.Unlock()
	p.brokenOnce.Do(func() {
		p.brokenErr = fmt.Errorf("pyrun: a worker could not be restarted, the pool is unusable: %w", err)
		close(p.broken)
	})
	return nil, p.brokenErr
}
