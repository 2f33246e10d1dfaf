"""bench/reportlib: the parts of bench/report.py, one module per subject.

Reads and writes nothing on import. bench/report.py is the entry point; build.build(DIR)
reads a run's raw output (inputs.Run) and writes DIR/report.md with its plots, one section
module after another:

    inputs    the raw files of one run -> Samples (medians and spreads)
    document  the Markdown being written, its tables, and the gnuplot plots
    header    title, machine line, settings, where the time went
    loop      callbacks, coroutines and the empty iteration (callbacks.png)
    c10k      one active descriptor among many idle ones (c10k.png)
    timers    cost per timer against the number pending, ours and the peers (timers.png)
    peers     the peer programs' table and the pipe chain (pipe_chain.png)
    http      the hello server against nginx (http_rps.png, http_cpu.png)
    memory    memory per idle connection (memory.png)
    build     the order of the sections, the drawing, report.md
    readme    pasting report.md into bench/README.md's marked region
    selftest  a sample run checked against the tables it must give (make test)
"""
