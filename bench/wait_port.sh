# bench/wait_port.sh: sourced by the load scripts. wait_port waits (at most 5 s) until
# 127.0.0.1:$PORT accepts a connection, so a load run never starts before its server.
wait_port() {
  i=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || [ $i -ge 50 ]; do
    i=$((i + 1)); sleep 0.1
  done
}
