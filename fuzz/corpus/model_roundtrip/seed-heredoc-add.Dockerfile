# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
ADD --chmod=0644 <<app.conf /etc/app/
port=80
name=${NAME}
app.conf
ADD --chown=65532:65532 --link <<-'run.sh' <<.env https://example.com/a.tar.gz /opt/
	echo "$HOME"
run.sh
KEY=value
.env
