FROM busybox:1.36
ENV foo=/bar
WORKDIR /usr/src/app
WORKDIR ${foo}
WORKDIR "/usr/local"
WORKDIR C:/
