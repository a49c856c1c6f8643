FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        fortune-mod \
        fortunes-min \
 && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim
COPY --from=build /usr/games/fortune /usr/games/fortune
COPY --from=build /usr/lib/x86_64-linux-gnu/librecode.so.0 /usr/lib/x86_64-linux-gnu/librecode.so.0
COPY --from=build /usr/share/games/fortunes/ /usr/share/games/fortunes/
ENV PATH=/usr/games:${PATH}
ENTRYPOINT ["fortune"]
