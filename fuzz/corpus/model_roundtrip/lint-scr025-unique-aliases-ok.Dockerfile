FROM node:20 AS foo
RUN true
FROM scratch AS bar
COPY --from=foo /x /x
