/* benchmarks/peers/curl_multi_peer.c: libcurl's multi interface doing http_load's work.
 *
 *   curl_multi_peer URL CONNECTIONS REQUESTS [close]
 *
 * https: CURL_CA_BUNDLE names the CA file to trust (curl's own variable; libcurl itself reads
 * no variable, so this program passes it as CURLOPT_CAINFO). "close" forbids connection reuse
 * (CURLOPT_FORBID_REUSE): every request a new connection and TLS handshake, resumed through
 * libcurl's session cache as looplab's are through its context's.
 *
 * CONNECTIONS easy handles run at once in one multi handle (one thread, curl_multi_poll);
 * each, when its GET completes, is re-added for the next request until REQUESTS have been
 * made, reusing its kept-alive connection. Prints the same line as http_load: wall seconds,
 * requests/s, CPU microseconds per request, peak RSS in MiB.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static size_t discard(char* data, size_t size, size_t n, void* user) {
    (void)data;
    (void)user;
    return size * n;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    int close_each = argc == 5 && strcmp(argv[4], "close") == 0;
    if ((argc != 4 && !close_each) || atol(argv[2]) <= 0 || atol(argv[3]) <= 0) {
        fprintf(stderr, "usage: curl_multi_peer URL CONNECTIONS REQUESTS [close] (both > 0)\n");
        return 2;
    }
    const char* ca_bundle = getenv("CURL_CA_BUNDLE");
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);

    const char* url = argv[1];
    long connections = atol(argv[2]), requests = atol(argv[3]);
    if (connections > requests) connections = requests;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
    double start = now_s();
    long started = 0, ok = 0, failed = 0;
    for (long i = 0; i < connections; ++i) {
        CURL* easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
        if (ca_bundle) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_bundle);
        if (close_each) curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
        curl_multi_add_handle(multi, easy);
        ++started;
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        CURLMsg* msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL* easy = msg->easy_handle;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result == CURLE_OK && status == 200)
                ++ok;
            else if (failed++ == 0)
                fprintf(stderr, "curl_multi_peer: %s (status %ld)\n",
                        curl_easy_strerror(msg->data.result), status);
            curl_multi_remove_handle(multi, easy);
            if (started < requests) {
                curl_multi_add_handle(multi, easy); /* same handle: its connection is reused */
                ++started;
                running = 1;
            } else {
                curl_easy_cleanup(easy);
            }
        }
        if (running) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    double wall = now_s() - start;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                 usage.ru_stime.tv_usec / 1e6;
    printf("%.4f %.1f %.2f %.1f\n", wall, (double)requests / wall, cpu * 1e6 / (double)requests,
           (double)usage.ru_maxrss / 1024.0);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    if (failed) {
        fprintf(stderr, "curl_multi_peer: %ld of %ld requests failed\n", failed, requests);
        return 1;
    }
    return ok == requests ? 0 : 1;
}
