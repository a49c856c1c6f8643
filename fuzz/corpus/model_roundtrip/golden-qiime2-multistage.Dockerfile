FROM continuumio/miniconda3:24.9.2-0 AS build
RUN conda env create -p /opt/qiime2 -f https://data.qiime2.org/distro/amplicon/qiime2-amplicon-2024.10-py310-linux-conda.yml \
 && conda clean -afy

FROM debian:bookworm-slim
COPY --from=build /opt/qiime2 /opt/qiime2
ENV PATH=/opt/qiime2/bin:${PATH}
ENV MPLBACKEND=agg \
    LC_ALL=C.UTF-8 \
    LANG=C.UTF-8 \
    HOME=/home/qiime2 \
    XDG_CONFIG_HOME=/home/qiime2
WORKDIR /home/qiime2
RUN qiime dev refresh-cache
ENTRYPOINT ["qiime"]
CMD ["info"]
