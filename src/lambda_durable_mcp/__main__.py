from lambda_durable_mcp.cli import main

raise SystemExit(main())
