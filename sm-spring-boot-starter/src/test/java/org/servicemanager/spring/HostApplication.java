package org.servicemanager.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A host application: its own endpoint next to the Service Manager the starter mounts. */
@SpringBootConfiguration
@EnableAutoConfiguration
class HostApplication {
    /** The host's own endpoint, which the Service Manager's mount must leave alone. */
    @RestController
    static class Hello {
        @GetMapping("/hello")
        String hello() {
            return "hello from the host";
        }
    }
}
