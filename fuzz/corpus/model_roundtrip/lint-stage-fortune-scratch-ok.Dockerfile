FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends fortune-mod=1:1.99.1-7.3 fortunes-min=1:1.99.1-7.3 \
 && rm -rf /var/lib/apt/lists/*
FROM scratch
COPY --from=build /usr/games/fortune /usr/games/fortune
COPY --from=build /usr/lib/x86_64-linux-gnu/librecode.so.0 /usr/lib/x86_64-linux-gnu/
COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/
COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/
COPY --from=build /usr/share/games/fortunes/ /usr/share/games/fortunes/
ENTRYPOINT ["/usr/games/fortune"]
