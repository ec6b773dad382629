/* benchmarks/peers/libuv_peer.c: libuv doing the runtime and net rows' work, for compare.sh.
 *
 *   libuv_peer chained N    a callback queue drained once per iteration by a uv_idle handle
 *                           (how uvloop implements call_soon; libuv has no call_soon), each
 *                           callback queueing the next: prints M callbacks/s
 *   libuv_peer batched N    N callbacks queued, then drained: M callbacks/s
 *   libuv_peer timers N     N uv_timer_t started with timeout 0, uv_run until all fired:
 *                           ns per timer (init + start + fire)
 *   libuv_peer pingpong N   one loop is TCP client and server on 127.0.0.1, 64-byte
 *                           messages echoed N times: k round trips/s
 * Prints one number, per second of CPU time (as Google Benchmark measures looplab's rows, so
 * that time spent waiting for a core on a busy machine counts for neither); compare.sh puts
 * it next to looplab's figure for the same row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- call_soon: a FIFO of callbacks run by an idle handle -------------------------------- */
typedef void (*callback_fn)(void* arg);
typedef struct {
    callback_fn fn;
    void* arg;
} callback;

static callback* queue;
static size_t queue_head, queue_tail, queue_cap;
static uv_idle_t idle;
static void run_ready(uv_idle_t* handle);

static void call_soon(callback_fn fn, void* arg) {
    if (queue_tail == queue_cap) {
        /* Compact, then grow: the queue is reused across iterations like looplab's. */
        memmove(queue, queue + queue_head, (queue_tail - queue_head) * sizeof(callback));
        queue_tail -= queue_head;
        queue_head = 0;
        if (queue_tail == queue_cap) {
            queue_cap = queue_cap ? queue_cap * 2 : 1024;
            queue = realloc(queue, queue_cap * sizeof(callback));
        }
    }
    queue[queue_tail].fn = fn;
    queue[queue_tail].arg = arg;
    queue_tail++;
    uv_idle_start(&idle, run_ready); /* no-op when already active */
}

/* Runs exactly the callbacks queued when this iteration began, as asyncio does. */
static void run_ready(uv_idle_t* handle) {
    /* A count, not an end index: call_soon may compact the queue while we drain it. */
    size_t count = queue_tail - queue_head;
    while (count-- > 0) {
        callback c = queue[queue_head++];
        c.fn(c.arg);
    }
    if (queue_head == queue_tail) {
        queue_head = queue_tail = 0;
        uv_idle_stop(handle);
    }
}

static long remaining;
static void chained_step(void* arg) {
    if (--remaining > 0) call_soon(chained_step, arg);
}
static long ran;
static void batched_step(void* arg) {
    (void)arg;
    ++ran;
}

static double bench_call_soon(long n, int chained) {
    uv_loop_t* loop = uv_default_loop();
    uv_idle_init(loop, &idle);
    double start = now_s();
    remaining = n;
    if (chained) {
        call_soon(chained_step, NULL);
    } else {
        for (long i = 0; i < n; ++i) call_soon(batched_step, NULL);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    double took = now_s() - start;
    return (double)n / took / 1e6;
}

/* ---- timers ------------------------------------------------------------------------------ */
static long fired;
static void on_timer(uv_timer_t* t) {
    (void)t;
    ++fired;
}

static double bench_timers(long n) {
    uv_loop_t* loop = uv_default_loop();
    uv_timer_t* timers = malloc((size_t)n * sizeof(uv_timer_t));
    double start = now_s();
    for (long i = 0; i < n; ++i) {
        uv_timer_init(loop, &timers[i]);
        uv_timer_start(&timers[i], on_timer, 0, 0);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    double took = now_s() - start;
    free(timers);
    if (fired != n) fprintf(stderr, "libuv_peer: %ld of %ld timers fired\n", fired, n);
    return took * 1e9 / (double)n;
}

/* ---- TCP ping-pong ------------------------------------------------------------------------ */
enum { kMessage = 64 };
typedef struct {
    uv_tcp_t tcp;
    char buf[65536];
    size_t got;
    int is_client;
} conn;

static uv_tcp_t server;
static conn server_side, client_side;
static uv_connect_t connect_req;
static long rounds;
static char ping[kMessage];

static void alloc_cb(uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
    (void)suggested;
    conn* c = (conn*)h;
    *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void write_now(conn* c, const char* data, size_t len) {
    /* uv_try_write first, as looplab's transport and Asio do: no request allocation when the
     * kernel takes it all (it always does at 64 bytes). */
    uv_buf_t b = uv_buf_init((char*)data, (unsigned)len);
    int n = uv_try_write((uv_stream_t*)&c->tcp, &b, 1);
    if (n != (int)len) {
        fprintf(stderr, "libuv_peer: short write\n");
        exit(1);
    }
}

static void close_all(void) {
    uv_close((uv_handle_t*)&client_side.tcp, NULL);
    uv_close((uv_handle_t*)&server_side.tcp, NULL);
    uv_close((uv_handle_t*)&server, NULL);
}

static void read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    conn* c = (conn*)s;
    if (nread <= 0) return;
    if (!c->is_client) {
        write_now(c, buf->base, (size_t)nread);
        return;
    }
    c->got += (size_t)nread;
    if (c->got < kMessage) return;
    c->got = 0;
    if (--rounds > 0)
        write_now(c, ping, kMessage);
    else
        close_all();
}

static void on_connection(uv_stream_t* srv, int status) {
    (void)status;
    uv_tcp_init(srv->loop, &server_side.tcp);
    uv_accept(srv, (uv_stream_t*)&server_side.tcp);
    uv_read_start((uv_stream_t*)&server_side.tcp, alloc_cb, read_cb);
}

static double pingpong_start;
static void on_connect(uv_connect_t* req, int status) {
    (void)req;
    if (status != 0) {
        fprintf(stderr, "libuv_peer: connect: %s\n", uv_strerror(status));
        exit(1);
    }
    uv_tcp_nodelay(&client_side.tcp, 1);
    uv_read_start((uv_stream_t*)&client_side.tcp, alloc_cb, read_cb);
    pingpong_start = now_s();
    write_now(&client_side, ping, kMessage);
}

static double bench_pingpong(long n) {
    uv_loop_t* loop = uv_default_loop();
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_init(loop, &server);
    uv_tcp_bind(&server, (const struct sockaddr*)&addr, 0);
    uv_listen((uv_stream_t*)&server, 16, on_connection);
    int len = sizeof addr;
    uv_tcp_getsockname(&server, (struct sockaddr*)&addr, &len);
    client_side.is_client = 1;
    uv_tcp_init(loop, &client_side.tcp);
    memset(ping, 'p', sizeof ping);
    rounds = n;
    uv_tcp_connect(&connect_req, &client_side.tcp, (const struct sockaddr*)&addr, on_connect);
    uv_run(loop, UV_RUN_DEFAULT);
    double took = now_s() - pingpong_start;
    return (double)n / took / 1e3;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: libuv_peer chained|batched|timers|pingpong N\n");
        return 2;
    }
    long n = atol(argv[2]);
    if (n <= 0) {
        fprintf(stderr, "libuv_peer: N must be positive\n");
        return 2;
    }
    double figure;
    if (strcmp(argv[1], "chained") == 0)
        figure = bench_call_soon(n, 1);
    else if (strcmp(argv[1], "batched") == 0)
        figure = bench_call_soon(n, 0);
    else if (strcmp(argv[1], "timers") == 0)
        figure = bench_timers(n);
    else if (strcmp(argv[1], "pingpong") == 0)
        figure = bench_pingpong(n);
    else {
        fprintf(stderr, "libuv_peer: unknown row %s\n", argv[1]);
        return 2;
    }
    printf("%.4f\n", figure);
    return 0;
}
