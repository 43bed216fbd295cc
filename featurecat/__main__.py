from featurecat.cli import main

main()
