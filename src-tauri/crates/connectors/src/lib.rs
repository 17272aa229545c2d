//! Clients of the remote apps. Each app implements only the capabilities its API really has
//! (see the capability matrix in the README). The modules arrive with their issues.
