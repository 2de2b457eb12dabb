// The same two targets as examples/yaml, through the generated Go SDK: the components run in their
// provider (the package at the root of this repository).
package main

import (
	codex "example.com/pulumi-codex-connect-pulumi/sdk/go/codexconnectpulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		email := pulumi.String(cfg.Require("email"))
		pat := cfg.RequireSecret("pat")
		// Plain (not Input) fields in the schema, hence pointers.
		basic := codex.ConnectAiAuthBasic

		// This machine, as the account running Pulumi.
		here, err := codex.NewConnectAiCodex(ctx, "here", &codex.ConnectAiCodexArgs{
			Target: codex.TargetArgsArgs{Kind: codex.TargetKindLocal},
			Auth:   &basic,
			Email:  email,
			Pat:    pat,
		})
		if err != nil {
			return err
		}

		// An SSH host, its host key pinned.
		port := float64(22)
		if p, err := cfg.TryInt("sshPort"); err == nil {
			port = float64(p)
		}
		web1, err := codex.NewConnectAiCodex(ctx, "web1", &codex.ConnectAiCodexArgs{
			Target: codex.TargetArgsArgs{
				Kind:       codex.TargetKindSsh,
				Host:       pulumi.StringRef(cfg.Require("sshHost")),
				Port:       &port,
				User:       pulumi.StringRef(cfg.Require("sshUser")),
				HostKey:    pulumi.StringRef(cfg.Require("sshHostKey")),
				PrivateKey: cfg.RequireSecret("sshPrivateKey"),
			},
			Auth:  &basic,
			Email: email,
			Pat:   pat,
		})
		if err != nil {
			return err
		}

		ctx.Export("hereConfig", here.ConfigPath)
		ctx.Export("web1Config", web1.ConfigPath)
		ctx.Export("web1Codex", web1.CodexVersion)
		return nil
	})
}
