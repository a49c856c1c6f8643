# hadolint 2.15 looks a line up in its stage map by the last key before
# it: a stage pragma right above a FROM covers the rest of that stage and
# the FROM line of the next stage (`FROM ubuntu`, DL3006), not its own FROM
# line (line 8, DL3006: an inline pragma does that); stagecraft keeps the
# same map.
FROM debian:12.8 AS base
# hadolint stage ignore=DL3006,DL3011
FROM debian AS build
EXPOSE 80000
FROM ubuntu
EXPOSE 80000
