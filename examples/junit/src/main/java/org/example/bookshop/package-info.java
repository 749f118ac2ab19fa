/**
 * A tiny host application for the fixture example: {@link org.example.bookshop.DatabaseOrders}
 * orders a database for a shop from a Service Manager over its REST API. Its tests show the
 * JUnit 5 fixture of {@code sm-test} in use.
 */
package org.example.bookshop;
