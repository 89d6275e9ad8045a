package pyrun

import "os/exec"

var execCommand = exec.Command
