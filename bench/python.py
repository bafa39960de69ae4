"""Python's side of the benchmark: the same measures with multiprocessing (start method spawn).

Usage: python3 python.py <measure>; prints one number (items/s, or µs per round trip).
"""
import multiprocessing as mp
import sys
import time

N = 100_000


def produce(q, n, text):
    item = 'x' * 1024
    for i in range(n):
        q.put(item if text else i)


def echo(conn):
    while True:
        try:
            conn.send(conn.recv())
        except EOFError:
            break


def send_many(conn, n):
    for i in range(n):
        conn.send(i)


def lock_pairs(lock, barrier, n, out):
    barrier.wait()
    start = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
    for _ in range(n):
        lock.acquire(); lock.release()
    out.put((start, time.perf_counter()))


def shared_rates(d, l, n, out):
    d['k'] = 0; d['k']
    t = time.perf_counter()
    for _ in range(n):
        d['k']
    get = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(n):
        d['k'] = i
    put = n / (time.perf_counter() - t)
    t = time.perf_counter()
    for i in range(n):
        l.append(i)
    out.put({'dict-get': get, 'dict-set': put, 'list-append': n / (time.perf_counter() - t)})


def plus_one(x):
    return x + 1


def burn(loops):
    x = 0
    for i in range(loops):
        x += i
    return x


def timed_receive(get, n):
    get()  # timed from the child's first item
    t = time.perf_counter()
    for _ in range(n - 1):
        get()
    return (n - 1) / (time.perf_counter() - t)


if __name__ == '__main__':
    mp.set_start_method('spawn')
    measure = sys.argv[1]
    if measure in ('queue-int', 'queue-str'):
        q = mp.Queue()
        p = mp.Process(target=produce, args=(q, N, measure == 'queue-str'))
        p.start()
        print(timed_receive(q.get, N))
        p.join()
    elif measure == 'pipe-rt':
        a, b = mp.Pipe()
        p = mp.Process(target=echo, args=(b,))
        p.start()
        for i in range(1000):
            a.send(i); a.recv()
        t = time.perf_counter()
        for i in range(10_000):
            a.send(i); a.recv()
        print((time.perf_counter() - t) * 1e6 / 10_000)
        p.terminate(); p.join()
    elif measure == 'pipe-oneway':
        r, w = mp.Pipe(duplex=False)
        p = mp.Process(target=send_many, args=(w, N))
        p.start()
        print(timed_receive(r.recv, N))
        p.join()
    elif measure in ('dict-get', 'dict-set', 'list-append'):
        with mp.Manager() as manager:
            d, l, out = manager.dict(), manager.list(), mp.Queue()   # the parent keeps the proxies alive
            p = mp.Process(target=shared_rates, args=(d, l, 10_000, out))
            p.start()
            print(out.get()[measure])
            p.join()
    elif measure == 'pool-start':
        t = time.perf_counter()
        with mp.Pool(2) as pool:
            pool.map(plus_one, range(2))   # both workers up and answering
            print((time.perf_counter() - t) * 1000)
    elif measure in ('pool-map', 'pool-map-1'):
        n = 100_000 if measure == 'pool-map' else 20_000
        with mp.Pool(2) as pool:
            pool.map(plus_one, range(1000))
            t = time.perf_counter()
            if measure == 'pool-map':
                pool.map(plus_one, range(n))
            else:
                list(pool.imap(plus_one, range(n), chunksize=1))
            print(n / (time.perf_counter() - t))
    elif measure == 'pool-async':
        with mp.Pool(2) as pool:
            done = []
            t = time.perf_counter()
            for i in range(10_000):
                pool.apply_async(plus_one, (i,), callback=done.append)
            pool.close(); pool.join()
            print(10_000 / (time.perf_counter() - t))
    elif measure in ('pool-cpu', 'pool-cpu-8'):
        count, seconds = (20, 0.2) if measure == 'pool-cpu' else (8, 0.1)
        loops = 200_000
        t = time.perf_counter(); burn(loops); per = time.perf_counter() - t
        loops = int(loops * seconds / per)
        t = time.perf_counter()
        for _ in range(count):
            burn(loops)
        one = time.perf_counter() - t
        with mp.Pool(2) as pool:
            pool.map(plus_one, range(2))
            t = time.perf_counter()
            pool.map(burn, [loops] * count, chunksize=1)
            print(one / (time.perf_counter() - t))
    elif measure == 'lock':
        n, lock, barrier, out = 200_000, mp.Lock(), mp.Barrier(2), mp.Queue()
        p = mp.Process(target=lock_pairs, args=(lock, barrier, n, out))
        p.start()
        lock_pairs(lock, barrier, n, out)
        spans = [out.get(), out.get()]
        p.join()
        print(2 * n / (max(e for _, e in spans) - min(s for s, _ in spans)))
    else:
        sys.exit(f'unknown measure {measure}')
