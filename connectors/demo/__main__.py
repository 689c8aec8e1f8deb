from connectors.demo.cli import main

main()
