# bench/nginx_hello.sh: sourced by the load scripts, so that every comparison runs the same
# nginx. nginx_hello_conf DIR PORT [CONNECTIONS [WORKERS]] writes DIR/nginx.conf: nginx
# answering every request with "Hello, world" (text/plain), as bench/http_hello and the
# helloworld demo do, on 127.0.0.1:PORT, access log off, its pid, error log and temporary
# files under DIR (an absolute path). One worker runs as a single process (master_process
# off), so that callgrind and the memory probe watch the process that serves; several workers
# keep their master and share the port with reuseport.
nginx_hello_conf() {
  local dir=$1 port=$2 conns=${3:-1024} workers=${4:-1} master="master_process off;" listen=""
  if [ "$workers" -gt 1 ]; then master=""; listen=" reuseport"; fi
  cat >"$dir/nginx.conf" <<NGINX
daemon off;
$master
worker_processes $workers;
worker_rlimit_nofile $((conns + conns / 4 + 64));
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections $conns; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  server {
    listen 127.0.0.1:$port$listen;
    location / { default_type text/plain; return 200 "Hello, world"; }
  }
}
NGINX
}
