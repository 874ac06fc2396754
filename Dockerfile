# errdex: one static binary; migrations and bundled articles are embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /errdex ./cmd/errdex

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /errdex /errdex
EXPOSE 8080
ENTRYPOINT ["/errdex"]
CMD ["serve"]
