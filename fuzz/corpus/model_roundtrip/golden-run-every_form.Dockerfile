FROM debian:bookworm-slim AS seed
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked rm -f /etc/apt/apt.conf.d/docker-clean \
 && apt-get update \
 && apt-get install -y --no-install-recommends make=4.3-4.1
RUN --mount=type=cache,id=pip,target=/root/.cache/pip,sharing=private,from=seed,source=/cache,mode=0755,uid=1000,gid=1000 --mount=type=cache,target=/ro,sharing=shared,ro --network=default pip install numpy==2.1.0
RUN --mount=type=bind,target=/src,source=app,from=seed,rw --mount=type=bind,target=/context --mount=type=tmpfs,target=/scratch,size=67108864 --network=none make -C /src
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,mode=0400,uid=0,gid=0,required --mount=type=secret,id=token,env=API_TOKEN --mount=type=ssh,id=github,target=/run/ssh.sock,mode=0600,uid=1,gid=1,required --mount=type=ssh --network=host --security=insecure test -s /root/.npmrc && test -n "$API_TOKEN"
RUN --security=sandbox ["/bin/true"]
RUN <<EOF
set -eu
mkdir -p /data
echo "$HOME" > /data/home
EOF
RUN python3 <<'PY'
import os
print(os.environ['HOME'])
PY
RUN <<EOF
#!/usr/bin/env python3
print('no shell here: apt-get install x')
EOF
RUN <<A cat > /a && <<-'B' cat > /b
one $HOME
A
	two $HOME
B

FROM gcr.io/distroless/static-debian12:nonroot
RUN --mount=type=bind,target=/seed,from=seed ["/seed/bin/cp", "/seed/a", "/a"]
