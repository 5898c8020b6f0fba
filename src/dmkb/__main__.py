from dmkb.cli import main

main()
