# Build and test the runtime in a Debian 12 container.
#
#   docker build -t ocirun .
#   docker run --rm --privileged ocirun            # runs `make test`
#
# --privileged is needed: the tests create namespaces, mounts and cgroups.
FROM golang:1.26-bookworm AS go

FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends \
		libseccomp-dev pkg-config gcc make git ca-certificates \
		busybox-static bats jq python3 util-linux iproute2 procps uidmap \
	&& rm -rf /var/lib/apt/lists/*
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH

WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN make

CMD ["make", "test"]
