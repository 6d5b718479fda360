"""placeholder"""
FILES = []
ALGO_VERSION = "0"
