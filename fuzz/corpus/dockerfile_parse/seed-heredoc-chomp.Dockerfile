FROM debian:bookworm-slim
RUN <<-EOF
	set -eu
	echo "$PATH" > /path
	EOF
